/**
 * What `landlord init --ci github` writes: a GitHub Actions workflow that checks pull requests
 * (validate, audit, diff) and releases tags (release create, rollout start --detach, then the
 * rollout followed to its end). No stored secrets: Azure through OIDC federation, the cluster
 * through Entra ID (kubelogin), the store through an Entra ID token.
 */

/** Where the workflow goes, relative to the project folder (the repository root). */
export const GITHUB_WORKFLOW_PATH = ".github/workflows/landlord.yaml";

/**
 * Every action the workflow uses, pinned to the commit its tag pointed at. Checked on
 * 2026-12-07 against each action's repository with
 *   git --git-dir=<the repository's git directory> rev-parse "<tag>^{commit}"
 * (actions/checkout, actions/setup-node and Azure/login). Change a pin only together with its tag.
 */
export const PINNED_ACTIONS = {
  checkout: { repo: "actions/checkout", commit: "3d3c42e5aac5ba805825da76410c181273ba90b1", tag: "v7.0.1" },
  setupNode: { repo: "actions/setup-node", commit: "820762786026740c76f36085b0efc47a31fe5020", tag: "v7.0.0" },
  azureLogin: { repo: "azure/login", commit: "f5d393ae46f8fde4be8b75f32e3fc50e654ad0ca", tag: "v3.0.1" },
} as const;

/** kubelogin and the kubectl that `az aks install-cli` brings along with it (Landlord itself needs no kubectl). */
export const KUBELOGIN_VERSION = "v0.2.19";
export const KUBECTL_VERSION = "1.36.3";

const uses = (a: { repo: string; commit: string; tag: string }): string => `${a.repo}@${a.commit} # ${a.tag}`;

/** The steps both jobs start with: the repository, Node.js, the pinned CLI, Azure, the clusters and the store. */
function setupSteps(): string {
  return `      - name: Check out the repository
        uses: ${uses(PINNED_ACTIONS.checkout)}
        with:
          persist-credentials: false
      - name: Set up Node.js
        uses: ${uses(PINNED_ACTIONS.setupNode)}
        with:
          node-version: "22"
          package-manager-cache: false
      - name: Install the Landlord CLI
        env:
          NPM_CONFIG_REGISTRY: \${{ vars.LANDLORD_NPM_REGISTRY }}
        run: |
          if [ -z "$NPM_CONFIG_REGISTRY" ]; then
            echo "::error::set the repository variable LANDLORD_NPM_REGISTRY to the npm feed Landlord is published to (the public registry's package 'landlord' is another project)"
            exit 1
          fi
          npm install --global "landlord@$LANDLORD_VERSION"
      - name: Check the Landlord CLI version
        run: |
          installed="$(landlord --version)"
          if [ "$installed" != "$LANDLORD_VERSION" ]; then
            echo "::error::landlord --version says $installed, this workflow pins $LANDLORD_VERSION: update LANDLORD_VERSION here, or run landlord init --ci github --force with the CLI you want"
            exit 1
          fi
      - name: Sign in to Azure
        uses: ${uses(PINNED_ACTIONS.azureLogin)}
        with:
          client-id: \${{ vars.AZURE_CLIENT_ID }}
          tenant-id: \${{ vars.AZURE_TENANT_ID }}
          subscription-id: \${{ vars.AZURE_SUBSCRIPTION_ID }}
      - name: Get the cluster credentials
        run: |
          # kubelogin turns the Entra ID login above into cluster tokens; pinned like the actions.
          az aks install-cli --client-version ${KUBECTL_VERSION} --kubelogin-version ${KUBELOGIN_VERSION} \\
            --install-location "$HOME/.local/bin/kubectl" --kubelogin-install-location "$HOME/.local/bin/kubelogin"
          echo "$HOME/.local/bin" >> "$GITHUB_PATH"
          # One context per cluster, named like the cluster, as landlord.yaml's clusters[].name.
          for cluster in $AKS_CLUSTERS; do
            az aks get-credentials --resource-group "\${cluster%%/*}" --name "\${cluster#*/}" --overwrite-existing
          done
          "$HOME/.local/bin/kubelogin" convert-kubeconfig --login azurecli
      - name: Sign in to the store
        run: |
          # Azure Database for PostgreSQL with Entra ID authentication: the token is the password
          # (valid about an hour), DATABASE_URL names the user and no password.
          token="$(az account get-access-token --resource-type oss-rdbms --query accessToken --output tsv)"
          echo "::add-mask::$token"
          echo "PGPASSWORD=$token" >> "$GITHUB_ENV"
`;
}

/** The workflow text, pinned to this CLI's version (package.json's at init time). */
export function githubWorkflow(version: string): string {
  return `# Landlord's pipeline on GitHub Actions, written by \`landlord init --ci github\` (Landlord ${version}).
#
# Pull requests into main: landlord validate, audit and diff. A failing validate or audit fails
# the check; diff's exit 1 means "changes to deliver" and passes, its summary and a comment show
# them; 2 and above (an error) fails. Tags v*: landlord release create, rollout start --detach,
# then the rollout is run and followed with rollout status -w; the job fails unless it Succeeded.
#
# No secrets are stored. Set these repository variables (Settings > Secrets and variables >
# Actions > Variables), and in the environment landlord-release the ones of the release identity:
#   AZURE_CLIENT_ID        client id of the Entra ID app or user-assigned managed identity
#                          (repository: the pull-request identity; environment landlord-release:
#                          the release identity, which may change the clusters and the store)
#   AZURE_TENANT_ID        the Entra ID tenant id
#   AZURE_SUBSCRIPTION_ID  the subscription of the clusters
#   AKS_CLUSTERS           every cluster landlord.yaml names, dedicated ones too, as
#                          space-separated RESOURCE_GROUP/NAME (NAME = clusters[].name)
#   LANDLORD_DATABASE_URL  the store: postgres://USER@HOST:5432/DB?sslmode=require, no password
#                          (USER: the identity's PostgreSQL role, made with pgaadauth_create_principal)
#   LANDLORD_NPM_REGISTRY  the npm feed Landlord ${version} is published to
# Federated credentials on each identity (Entra ID > the app or identity > Federated credentials),
# issuer https://token.actions.githubusercontent.com, audience api://AzureADTokenExchange:
#   pull-request identity: subject repo:OWNER/REPO:pull_request
#   release identity:      subject repo:OWNER/REPO:environment:landlord-release
# (a subject matches exactly: tags cannot be wildcarded, so the release job runs in the
# environment landlord-release; restrict its deployment tags to v* there.)
# The identities need "Azure Kubernetes Service Cluster User Role" on each cluster and a
# Kubernetes role through Entra ID: diff asks the API server for a dry run, which needs the
# same rights as the change itself. Pull requests from forks get no OIDC token and fail at
# "Sign in to Azure". More: docs/ci-pipelines.md in Landlord's repository.
name: landlord

on:
  pull_request:
    branches: [main]
  push:
    tags: ["v*"]

# Each job asks for what it needs.
permissions: {}

defaults:
  run:
    shell: bash

env:
  LANDLORD_VERSION: "${version}"
  LANDLORD_ACTOR: github:\${{ github.actor }}

jobs:
  check:
    name: validate, audit and diff
    if: github.event_name == 'pull_request'
    runs-on: ubuntu-24.04
    timeout-minutes: 30
    permissions:
      contents: read
      id-token: write
      pull-requests: write
    env:
      # Per job, so that the release job reads the environment landlord-release's values.
      AKS_CLUSTERS: \${{ vars.AKS_CLUSTERS }}
      DATABASE_URL: \${{ vars.LANDLORD_DATABASE_URL }}
    steps:
${setupSteps()}      - name: landlord validate
        run: landlord validate
      - name: landlord audit
        run: landlord audit
      - name: landlord diff
        run: |
          # kubectl diff's convention: 0 nothing to deliver, 1 changes to deliver (not a failure
          # here: that is what a pull request is for), 2 and above an error, which fails the check.
          set +e
          landlord diff -f tenants > landlord-diff.txt 2> landlord-diff.log
          code=$?
          set -e
          cat landlord-diff.log >&2
          if [ "$code" -gt 1 ]; then exit "$code"; fi
          {
            echo "<!-- landlord-diff -->"
            echo "### landlord diff"
            echo
            if [ "$code" -eq 0 ]; then echo "Nothing to deliver."; else echo "Delivering this pull request would change:"; fi
            echo
            sed 's/^/    /' landlord-diff.log
            if [ -s landlord-diff.txt ]; then
              echo
              echo '\`\`\`diff'
              # A comment holds at most 65536 characters.
              head -c 60000 landlord-diff.txt
              echo
              echo '\`\`\`'
              if [ "$(wc -c < landlord-diff.txt)" -gt 60000 ]; then echo "(cut at 60000 bytes: run landlord diff -f tenants for all of it)"; fi
            fi
          } > landlord-diff.md
          cat landlord-diff.md >> "$GITHUB_STEP_SUMMARY"
      - name: Comment the diff on the pull request
        env:
          GH_TOKEN: \${{ github.token }}
          PR_NUMBER: \${{ github.event.pull_request.number }}
        run: |
          # One comment per pull request, updated on every push; found by its first line.
          comment="$(gh api "repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments" --paginate \\
            --jq '.[] | select(.body | startswith("<!-- landlord-diff -->")) | .id' | tail -n 1)"
          if [ -n "$comment" ]; then
            gh api --method PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$comment" -F body=@landlord-diff.md > /dev/null
          else
            gh pr comment "$PR_NUMBER" --repo "$GITHUB_REPOSITORY" --body-file landlord-diff.md
          fi

  release:
    name: release and rollout
    if: github.event_name == 'push' && startsWith(github.ref, 'refs/tags/v')
    runs-on: ubuntu-24.04
    # A rollout bakes each wave; raise this for a large fleet (the Azure sign-in lasts about an hour).
    timeout-minutes: 120
    environment: landlord-release
    # One release at a time, and a second tag waits instead of cancelling a rollout under way.
    concurrency:
      group: landlord-release
      cancel-in-progress: false
    permissions:
      contents: read
      id-token: write
    env:
      # Per job, so that the release job reads the environment landlord-release's values.
      AKS_CLUSTERS: \${{ vars.AKS_CLUSTERS }}
      DATABASE_URL: \${{ vars.LANDLORD_DATABASE_URL }}
    steps:
${setupSteps()}      - name: landlord release create
        env:
          TAG: \${{ github.ref_name }}
        run: |
          # The tag without its v is the app's image tag: tag v1.5.0 releases image tag 1.5.0.
          version="\${TAG#v}"
          # Releases never change: a re-run of this job finds it recorded and goes on.
          if landlord release list -o json | node -e 'let s="";process.stdin.on("data",(d)=>{s+=d;}).on("end",()=>{process.exit(JSON.parse(s).some((r)=>r.version===process.argv[1])?0:1);})' "$version"; then
            echo "release $version is already recorded"
          else
            landlord release create "$version" --notes "git tag $TAG ($GITHUB_SHA)"
          fi
      - name: landlord rollout start --detach
        id: start
        env:
          TAG: \${{ github.ref_name }}
        run: |
          landlord rollout start "\${TAG#v}" --detach | tee rollout-start.txt
          id="$(sed -n 's/^rollout \\(ro-[^ ]*\\) of .*/\\1/p' rollout-start.txt)"
          if [ -z "$id" ]; then echo "::error::no rollout id in the output of landlord rollout start"; exit 1; fi
          echo "rollout_id=$id" >> "$GITHUB_OUTPUT"
      - name: landlord rollout status -w
        env:
          ROLLOUT_ID: \${{ steps.start.outputs.rollout_id }}
        run: |
          # --detach records the rollout for landlord serve's leader; this job runs it too, in the
          # background (landlord rollout resume), and whichever runner holds its lease drives it.
          # Cancelling the job stops this runner at its next tenant boundary; resume it later.
          landlord rollout resume "$ROLLOUT_ID" > rollout-runner.log 2>&1 &
          runner=$!
          landlord rollout status "$ROLLOUT_ID" -w || true  # its exit code says the same as the state below
          if ! wait "$runner"; then echo "runner: $(tail -n 3 rollout-runner.log)"; fi
          state="$(landlord rollout status "$ROLLOUT_ID" -o json | node -e 'let s="";process.stdin.on("data",(d)=>{s+=d;}).on("end",()=>{console.log(JSON.parse(s).state);})')"
          echo "rollout $ROLLOUT_ID: $state"
          if [ "$state" != "Succeeded" ]; then
            echo "::error::rollout $ROLLOUT_ID ended $state: landlord rollout status $ROLLOUT_ID, then landlord rollout retry or abort"
            exit 1
          fi
`;
}
