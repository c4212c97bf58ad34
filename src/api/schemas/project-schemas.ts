// Projects, their status and previews, the caller (whoami) and the server's own routes.
import { z } from 'zod';
import { optionalText, requiredText } from './common-schemas.ts';

const time = z.string().describe('ISO 8601 time');
const gitHosts = ['github', 'gitlab', 'bitbucket', 'gitea'] as const;

export const projectSchema = z
  .object({
    name: z.string(),
    repo: z.string(),
    branch: z.string(),
    createdAt: time,
    webhooks: z.object({
      /** Only in answers to admins (add, show, rotate). */
      secret: z.string().optional(),
      secretSet: z.boolean(),
      urls: z.record(z.string(), z.string()).describe('receiver URL per git host'),
    }),
    /** The Standard Webhooks signing secret of the project's notifications; admins only. */
    notifications: z.object({ signingSecret: z.string() }).optional(),
  })
  .meta({ id: 'Project' });
export type ProjectJson = z.output<typeof projectSchema>;
export const projectListSchema = z.array(projectSchema);

export const addProjectBodySchema = z
  .object({ name: requiredText('name'), repo: requiredText('repo'), branch: optionalText('branch').describe('default main') })
  .meta({ id: 'AddProjectRequest' });

const hostMessage = 'host must be one of github, gitlab, bitbucket, gitea';
export const statusTargetBodySchema = z
  .object({
    host: z.enum(gitHosts, { error: (issue) => (issue.input === undefined || issue.input === null || typeof issue.input === 'string' ? hostMessage : 'host must be a string') }),
    repo: requiredText('repo', 'repo is required (owner/name, or the GitLab project path)'),
    token: requiredText('token'),
    apiUrl: z.string({ error: 'apiUrl must be a string' }).regex(/^(https?:\/\/|$)/, 'apiUrl must be an http(s) URL').nullish(),
  })
  .meta({ id: 'StatusTargetRequest' });
export const statusTargetSchema = z.object({ host: z.enum(gitHosts), repo: z.string(), apiUrl: z.string().nullable() }).meta({ id: 'StatusTarget' });

export const environmentStatusSchema = z
  .object({
    name: z.string(),
    url: z.string(),
    state: z.string(),
    release: z.object({ number: z.number().int(), commit: z.string(), artifact: z.string(), image: z.string().optional(), createdAt: time }).nullable(),
    reason: z.string().optional(),
    dataPlane: z.literal('down').optional(),
  })
  .meta({ id: 'EnvironmentStatus' });
export const projectStatusSchema = z
  .object({ project: z.string(), dataPlane: z.enum(['up', 'down']), environments: z.array(environmentStatusSchema) })
  .meta({ id: 'ProjectStatus' });
export type ProjectStatusJson = z.output<typeof projectStatusSchema>;

export const previewSchema = z
  .object({
    name: z.string(),
    pullRequest: z.number().int(),
    url: z.string(),
    commit: z.string(),
    branch: z.string(),
    state: z.string(),
    createdAt: time,
    lastRequestAt: time.nullable(),
  })
  .meta({ id: 'Preview' });
export const previewListSchema = z.array(previewSchema);

export const principalSchema = z
  .object({ name: z.string(), role: z.enum(['viewer', 'deployer', 'admin']), projects: z.array(z.string()).nullable(), environments: z.array(z.string()).nullable() })
  .meta({ id: 'Principal' });
export type PrincipalJson = z.output<typeof principalSchema>;

