// `image:` in sluice.yaml: the artifact also becomes an OCI image, one layer over `base`,
// its files under `workdir` (docs/decisions/0044-oci-images.md).
import { z } from 'zod';
import { parseImageReference } from './image-reference.ts';

/** An absolute POSIX path without `.`/`..` components, empty components or NUL. */
function workdirProblem(dir: string): string | null {
  if (!dir.startsWith('/')) return `must be an absolute path (starting with /), got "${dir}"`;
  if (dir.includes('\0')) return 'must not contain a NUL character (\\0)';
  const parts = dir.split('/').slice(1);
  if (dir === '/') return 'must not be / (the base image\'s root): name a directory such as /app';
  if (parts.some((p, i) => p === '.' || p === '..' || (p === '' && i < parts.length - 1))) return `must be a plain absolute path without ".", ".." or "//", got "${dir}"`;
  return null;
}

export const imageKeySchema = z.strictObject({
  base: z
    .string()
    .superRefine((text, ctx) => {
      const ref = parseImageReference(text);
      if ('problem' in ref) ctx.addIssue({ code: 'custom', message: `is not a valid image reference: ${ref.problem}` });
    })
    .describe('The image the release image is built on (any OCI or Docker v2 image; an index picks linux/amd64). Resolved to its digest at each build, recorded in the image.'),
  workdir: z
    .string()
    .max(256, { error: 'expected at most 256 characters' })
    .superRefine((dir, ctx) => {
      const problem = workdirProblem(dir);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional()
    .describe('Where the artifact\'s files are in the image, and its working directory (default /app).'),
}).describe('Also build an OCI image of each run (the artifact as one layer over `base`) and push it to the server\'s --registry.');

export const DEFAULT_IMAGE_WORKDIR = '/app';
