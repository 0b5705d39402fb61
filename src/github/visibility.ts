/**
 * Plan comments and the nightly issue hold customer names, user counts and prices: they are
 * posted only to a private (or internal) repository unless the caller says --allow-public. The
 * visibility is read from GitHub, not assumed; an answer without it is an error, never a yes.
 */
import { RefusedError } from '../errors.js';
import type { GitHubApi } from './api.js';

export async function refusePublicRepository(api: GitHubApi, allowPublic: boolean, command: string): Promise<void> {
  if (allowPublic) return;
  const res = await api.request<{ private?: unknown; visibility?: unknown }>('GET', '', 'read the repository');
  const repo = res.body;
  if (typeof repo?.private !== 'boolean')
    throw api.notUnderstood(
      'GET',
      '',
      'read the repository',
      res,
      'a repository that says whether it is private (private: boolean)',
      'check GITHUB_API_URL (the REST API root, e.g. https://api.github.com) and GITHUB_REPOSITORY',
    );
  if (!repo.private || repo.visibility === 'public')
    throw new RefusedError(
      `${api.repo.repository} is a public repository: ${command} would publish customer names, user counts and prices there; nothing was posted`,
      {
        hint: `keep billing config in a private repository, or pass --allow-public to ${command} if that is really wanted`,
      },
    );
}
