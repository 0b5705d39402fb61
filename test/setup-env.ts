/**
 * The suite runs in GitHub Actions too, where GITHUB_EVENT_NAME may be `pull_request`: cwsync
 * would then check every plan in every test against that pull request's base commit. Tests
 * that want GitHub's variables set their own; none inherits the runner's.
 */
for (const name of Object.keys(process.env)) if (name.startsWith('GITHUB_')) delete process.env[name];
