/**
 * What `landlord init --ci github` writes: a GitHub Actions workflow that checks pull requests
 * (validate, audit, diff) and releases tags (release create, rollout start --detach, then the
 * rollout followed to its end). No stored secrets: Azure through OIDC federation, the cluster
 * through Entra ID (kubelogin), the store through an Entra ID token.
 */

import { diffScript, followScript, GITHUB_DIALECT, indent, releaseScript, startScript } from "./ci-scripts.js";

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
${indent(diffScript({ firstLine: "<!-- landlord-diff -->", publish: 'cat landlord-diff.md >> "$GITHUB_STEP_SUMMARY"' }), 10)}      - name: Comment the diff on the pull request
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
${indent(releaseScript("$GITHUB_SHA"), 10)}      - name: landlord rollout start --detach
        id: start
        env:
          TAG: \${{ github.ref_name }}
        run: |
${indent(startScript(GITHUB_DIALECT, 'echo "rollout_id=$id" >> "$GITHUB_OUTPUT"'), 10)}      - name: landlord rollout status -w
        env:
          ROLLOUT_ID: \${{ steps.start.outputs.rollout_id }}
        run: |
${indent(followScript(GITHUB_DIALECT), 10)}`;
}
