/**
 * The shell steps both pipelines run (src/init/ci-github.ts, src/init/ci-azure.ts), written once:
 * the systems differ only in how a step reports an error, where the diff summary goes and
 * where the tag comes from.
 */

/** How a CI system's step reports an error: a shell line that prints `message` its way. */
export interface CiDialect {
  error(message: string): string;
}

export const GITHUB_DIALECT: CiDialect = { error: (m) => `echo "::error::${m}"` };
export const AZURE_DIALECT: CiDialect = { error: (m) => `echo "##vso[task.logissue type=error]${m}"` };

/**
 * `landlord diff -f tenants` with kubectl diff's convention as the gate, its output written
 * to landlord-diff.md for `publish` (shell lines that hand the file to the system).
 */
export function diffScript(opts: { firstLine?: string; publish: string }): string {
  return `# kubectl diff's convention: 0 nothing to deliver, 1 changes to deliver (not a failure
# here: that is what a pull request is for), 2 and above an error, which fails the step.
set +e
landlord diff -f tenants > landlord-diff.txt 2> landlord-diff.log
code=$?
set -e
cat landlord-diff.log >&2
if [ "$code" -gt 1 ]; then exit "$code"; fi
{
${opts.firstLine !== undefined ? `  echo "${opts.firstLine}"\n` : ""}  echo "### landlord diff"
  echo
  if [ "$code" -eq 0 ]; then echo "Nothing to deliver."; else echo "Delivering this pull request would change:"; fi
  echo
  sed 's/^/    /' landlord-diff.log
  if [ -s landlord-diff.txt ]; then
    echo
    echo '\`\`\`diff'
    # A pull-request comment holds at most 65536 characters.
    head -c 60000 landlord-diff.txt
    echo
    echo '\`\`\`'
    if [ "$(wc -c < landlord-diff.txt)" -gt 60000 ]; then echo "(cut at 60000 bytes: run landlord diff -f tenants for all of it)"; fi
  fi
} > landlord-diff.md
${opts.publish}
`;
}

/** `landlord release create` for the tag in $TAG (v1.5.0 releases image tag 1.5.0); a re-run finds it recorded. */
export function releaseScript(source: string): string {
  return `# The tag without its v is the app's image tag: tag v1.5.0 releases image tag 1.5.0.
version="\${TAG#v}"
# Releases never change: a re-run of this step finds it recorded and goes on.
if landlord release list -o json | node -e 'let s="";process.stdin.on("data",(d)=>{s+=d;}).on("end",()=>{process.exit(JSON.parse(s).some((r)=>r.version===process.argv[1])?0:1);})' "$version"; then
  echo "release $version is already recorded"
else
  landlord release create "$version" --notes "git tag $TAG (${source})"
fi
`;
}

/** `landlord rollout start --detach` for $TAG; the rollout's id is left in $id for `handOn` to pass on. */
export function startScript(d: CiDialect, handOn: string): string {
  return `landlord rollout start "\${TAG#v}" --detach | tee rollout-start.txt
id="$(sed -n 's/^rollout \\(ro-[^ ]*\\) of .*/\\1/p' rollout-start.txt)"
if [ -z "$id" ]; then ${d.error("no rollout id in the output of landlord rollout start")}; exit 1; fi
${handOn}
`;
}

/** Runs the rollout in $ROLLOUT_ID here too and follows it; the step fails unless it Succeeded. */
export function followScript(d: CiDialect): string {
  return `# --detach records the rollout for landlord serve's leader; this step runs it too, in the
# background (landlord rollout resume), and whichever runner holds its lease drives it.
# Cancelling the job stops this runner at its next tenant boundary; resume it later.
landlord rollout resume "$ROLLOUT_ID" > rollout-runner.log 2>&1 &
runner=$!
# status -w exits 0 only when the rollout Succeeded (else it says how it ended).
if landlord rollout status "$ROLLOUT_ID" -w; then ended=0; else ended=$?; fi
if ! wait "$runner"; then echo "runner: $(tail -n 3 rollout-runner.log)"; fi
if [ "$ended" -ne 0 ]; then
  ${d.error("rollout $ROLLOUT_ID did not succeed: landlord rollout status $ROLLOUT_ID, then landlord rollout retry or abort")}
  exit 1
fi
echo "rollout $ROLLOUT_ID: Succeeded"
`;
}

/** `text` with every non-empty line indented by `spaces`. */
export function indent(text: string, spaces: number): string {
  const pad = " ".repeat(spaces);
  return text
    .split("\n")
    .map((l) => (l === "" ? "" : pad + l))
    .join("\n");
}
