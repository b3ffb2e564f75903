import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Copies the Scalar API reference bundle into .assets/ (Workers static assets), so /docs renders
 * from this Worker with no CDN: `GET /docs/scalar.js` is served by the assets layer.
 */
export function ensureDocsAssets(root = process.cwd()): string {
  // The package's exports map hides package.json and dist/browser, so locate it through node_modules.
  const source = path.join(root, 'node_modules', '@scalar', 'api-reference', 'dist', 'browser', 'standalone.js');
  if (!existsSync(source)) throw new Error('@scalar/api-reference is not installed (npm install)');
  const target = path.join(root, '.assets', 'docs', 'scalar.js');
  if (!existsSync(target) || statSync(target).size !== statSync(source).size) {
    mkdirSync(path.dirname(target), { recursive: true });
    copyFileSync(source, target);
  }
  return target;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(`docs assets: ${path.relative(process.cwd(), ensureDocsAssets())}`);
}
