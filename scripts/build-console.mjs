// Builds the support console (console/) into dist/console: type-checks it, bundles console/src/main.tsx with
// esbuild (minified, hashed file names, ES2020), writes index.html pointing at the hashed files, prints the
// gzipped JavaScript size and fails when it is over the budget (issue 13: first load under 200 KB gzipped).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const BUDGET_GZIP_BYTES = 200 * 1024;
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'console');
const out = join(root, 'dist', 'console');
const assets = join(out, 'assets');
/** Where the service serves dist/console (see docs/console.md). */
const PUBLIC_PATH = '/console/assets';

const started = Date.now();

// esbuild strips types without checking them: check first (the root tsconfig covers only the service).
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const check = spawnSync(process.execPath, [tsc, '-p', join(source, 'tsconfig.json'), '--noEmit'], {
  cwd: root,
  stdio: 'inherit',
});
if (check.status !== 0) {
  console.error('console: type errors (tsc -p console/tsconfig.json)');
  process.exit(1);
}

rmSync(out, { recursive: true, force: true });
mkdirSync(assets, { recursive: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: [join(source, 'src', 'main.tsx')],
  outdir: assets,
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2020',
  platform: 'browser',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  tsconfig: join(source, 'tsconfig.json'),
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
});

const outputs = Object.keys(result.metafile.outputs).map((file) => resolve(root, file));
const js = outputs.filter((file) => file.endsWith('.js'));
const css = outputs.filter((file) => file.endsWith('.css'));
if (js.length !== 1 || css.length !== 1) {
  console.error(
    `console: expected one .js and one .css bundle, got ${outputs.map((f) => basename(f)).join(', ')}`,
  );
  process.exit(1);
}

const html = readFileSync(join(source, 'index.html'), 'utf8')
  .replace('%JS%', `${PUBLIC_PATH}/${basename(js[0])}`)
  .replace('%CSS%', `${PUBLIC_PATH}/${basename(css[0])}`);
writeFileSync(join(out, 'index.html'), html);

const sizes = (files) =>
  files.map((file) => {
    const body = readFileSync(file);
    return { file: relative(root, file), raw: body.length, gzip: gzipSync(body, { level: 9 }).length };
  });
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const jsSizes = sizes(js);
const jsGzip = jsSizes.reduce((sum, s) => sum + s.gzip, 0);
for (const s of [...jsSizes, ...sizes(css)])
  console.log(`console: ${s.file} ${kb(s.raw)} (${kb(s.gzip)} gzipped)`);
console.log(
  `console: JavaScript ${kb(jsGzip)} gzipped, budget ${kb(BUDGET_GZIP_BYTES)}; built in ${Date.now() - started} ms`,
);
if (jsGzip > BUDGET_GZIP_BYTES) {
  console.error(`console: the JavaScript is over budget (${kb(jsGzip)} > ${kb(BUDGET_GZIP_BYTES)} gzipped)`);
  process.exit(1);
}
