/**
 * What `landlord init --ci azure` writes: an Azure Pipelines definition with the same steps as
 * the GitHub workflow (src/init/ci-github.ts). Azure is reached through a workload identity
 * federation service connection (no secret), the clusters through Entra ID (kubelogin) and the
 * store through an Entra ID token; each step that needs the sign-in is an AzureCLI@2 task.
 */
import { KUBECTL_VERSION, KUBELOGIN_VERSION } from "./ci-github.js";
import { AZURE_DIALECT, diffScript, followScript, indent, releaseScript, startScript } from "./ci-scripts.js";

/** Where the definition goes, relative to the project folder (the repository root). */
export const AZURE_PIPELINE_PATH = "azure-pipelines.yml";

/** An AzureCLI@2 task running a bash script signed in through the service connection. */
function azureCli(name: string, connection: string, script: string, extra = ""): string {
  const body = indent(script.trimEnd(), 16);
  return `          - task: AzureCLI@2
            displayName: ${name}
            inputs:
              azureSubscription: ${connection}
              scriptType: bash
              scriptLocation: inlineScript
              inlineScript: |
${body}
            env:
              PGPASSWORD: $(PGPASSWORD)
${extra}`;
}

/** The steps both jobs start with: the repository, Node.js, the pinned CLI, the clusters and the store. */
function setupSteps(connection: string): string {
  return `          - checkout: self
            fetchDepth: 1
            persistCredentials: false
          - task: NodeTool@0
            displayName: Set up Node.js
            inputs:
              versionSpec: "22.x"
          - script: |
              set -euo pipefail
              if [ -z "\${LANDLORD_NPM_REGISTRY:-}" ]; then
                echo "##vso[task.logissue type=error]set the variable LANDLORD_NPM_REGISTRY to the npm feed Landlord is published to (the public registry's package 'landlord' is another project)"
                exit 1
              fi
              npm install --global --registry "$LANDLORD_NPM_REGISTRY" "landlord@$LANDLORD_VERSION"
            displayName: Install the Landlord CLI
          - script: |
              set -euo pipefail
              installed="$(landlord --version)"
              if [ "$installed" != "$LANDLORD_VERSION" ]; then
                echo "##vso[task.logissue type=error]landlord --version says $installed, this pipeline pins $LANDLORD_VERSION: update LANDLORD_VERSION here, or run landlord init --ci azure --force with the CLI you want"
                exit 1
              fi
            displayName: Check the Landlord CLI version
          - task: AzureCLI@2
            displayName: Get the cluster credentials
            inputs:
              azureSubscription: ${connection}
              scriptType: bash
              scriptLocation: inlineScript
              inlineScript: |
                set -euo pipefail
                # kubelogin turns each task's Entra ID sign-in into cluster tokens; pinned.
                az aks install-cli --client-version ${KUBECTL_VERSION} --kubelogin-version ${KUBELOGIN_VERSION} \\
                  --install-location "$HOME/.local/bin/kubectl" --kubelogin-install-location "$HOME/.local/bin/kubelogin"
                echo "##vso[task.prependpath]$HOME/.local/bin"
                # One context per cluster, named like the cluster, as landlord.yaml's clusters[].name.
                for cluster in $AKS_CLUSTERS; do
                  az aks get-credentials --resource-group "\${cluster%%/*}" --name "\${cluster#*/}" --overwrite-existing
                done
                "$HOME/.local/bin/kubelogin" convert-kubeconfig --login azurecli
          - task: AzureCLI@2
            displayName: Sign in to the store
            inputs:
              azureSubscription: ${connection}
              scriptType: bash
              scriptLocation: inlineScript
              inlineScript: |
                set -euo pipefail
                # Azure Database for PostgreSQL with Entra ID authentication: the token is the
                # password (valid about an hour), DATABASE_URL names the user and no password.
                token="$(az account get-access-token --resource-type oss-rdbms --query accessToken --output tsv)"
                echo "##vso[task.setvariable variable=PGPASSWORD;issecret=true]$token"
`;
}

const DIFF_SCRIPT = `set -euo pipefail
${diffScript({ publish: '# The run\'s Extensions tab shows it.\necho "##vso[task.uploadsummary]$PWD/landlord-diff.md"' })}`;

/** Build.SourceBranch is refs/tags/v1.5.0. */
const TAG = `set -euo pipefail
TAG="\${BUILD_SOURCEBRANCH#refs/tags/}"
`;

const RELEASE_SCRIPT = `${TAG}${releaseScript("$BUILD_SOURCEVERSION")}`;
const START_SCRIPT = `${TAG}${startScript(AZURE_DIALECT, 'echo "##vso[task.setvariable variable=ROLLOUT_ID]$id"')}`;
const FOLLOW_SCRIPT = `set -euo pipefail
${followScript(AZURE_DIALECT)}`;

/** The pipeline text, pinned to this CLI's version (package.json's at init time). */
export function azurePipeline(version: string): string {
  return `# Landlord's pipeline on Azure Pipelines, written by \`landlord init --ci azure\` (Landlord ${version}).
#
# Pull requests into main: landlord validate, audit and diff. A failing validate or audit fails
# the run; diff's exit 1 means "changes to deliver" and passes, the run's summary shows them; 2
# and above (an error) fails. Tags v*: landlord release create, rollout start --detach, then the
# rollout is run and followed with rollout status -w; the run fails unless it Succeeded.
#
# No secrets are stored. Create two Azure Resource Manager service connections of the kind
# "Workload identity federation" (Project settings > Service connections), named as below:
#   landlord-check    used by pull requests (may read the store and dry-run on the clusters)
#   landlord-release  used by tags (may change the clusters and the store)
# Each has a federated credential on its Entra ID app or managed identity with issuer
# https://vstoken.dev.azure.com/<organization id> and subject sc://<organization>/<project>/<connection
# name>; the automatic setup creates both. Give each identity "Azure Kubernetes Service Cluster
# User Role" on every cluster and a Kubernetes role through Entra ID (diff's server-side dry run
# needs the same rights as the change), and a PostgreSQL role (pgaadauth_create_principal).
# Make an environment landlord-release (Pipelines > Environments) with an exclusive lock check,
# and approvals if a person should confirm each release. Then set the variables below (plain
# values, no secrets): the pipeline's settings cannot override values written here.
# More: docs/ci-pipelines.md in Landlord's repository.

trigger:
  branches:
    exclude: ["*"]
  tags:
    include: ["v*"]

pr:
  branches:
    include: [main]

variables:
  LANDLORD_VERSION: "${version}"
  # Every cluster landlord.yaml names, dedicated ones too: space-separated RESOURCE_GROUP/NAME.
  AKS_CLUSTERS: rg-landlord-platform/aks-weu-1
  # The store: postgres://USER@HOST:5432/DB?sslmode=require with no password.
  DATABASE_URL: postgres://landlord-pipeline@landlord-store.postgres.database.azure.com:5432/landlord?sslmode=require
  # The npm feed Landlord is published to (e.g. an Azure Artifacts feed with npmjs as upstream).
  LANDLORD_NPM_REGISTRY: https://pkgs.dev.azure.com/ORGANIZATION/_packaging/FEED/npm/registry/
  LANDLORD_ACTOR: azure-pipelines:$(Build.RequestedFor)

stages:
  - stage: check
    displayName: validate, audit and diff
    condition: eq(variables['Build.Reason'], 'PullRequest')
    jobs:
      - job: check
        displayName: validate, audit and diff
        pool:
          vmImage: ubuntu-24.04
        timeoutInMinutes: 30
        steps:
${setupSteps("landlord-check")}${azureCli("landlord validate", "landlord-check", "set -euo pipefail\nlandlord validate\n")}${azureCli("landlord audit", "landlord-check", "set -euo pipefail\nlandlord audit\n")}${azureCli("landlord diff", "landlord-check", DIFF_SCRIPT)}
  - stage: release
    displayName: release and rollout
    condition: startsWith(variables['Build.SourceBranch'], 'refs/tags/v')
    # With the environment's exclusive lock: one release at a time, in order.
    lockBehavior: sequential
    jobs:
      - deployment: release
        displayName: release and rollout
        environment: landlord-release
        pool:
          vmImage: ubuntu-24.04
        # A rollout bakes each wave; raise this for a large fleet (the store's token lasts about an hour).
        timeoutInMinutes: 120
        strategy:
          runOnce:
            deploy:
              steps:
${indent(setupSteps("landlord-release"), 6)}${indent(azureCli("landlord release create", "landlord-release", RELEASE_SCRIPT), 6)}${indent(azureCli("landlord rollout start --detach", "landlord-release", START_SCRIPT), 6)}${indent(azureCli("landlord rollout status -w", "landlord-release", FOLLOW_SCRIPT), 6)}`;
}
