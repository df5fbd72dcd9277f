// @ts-check
import { readdirSync } from 'node:fs';
import importPlugin from 'eslint-plugin-import';
import tseslint from 'typescript-eslint';

const modules = readdirSync(new URL('./src/modules', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

/**
 * Module boundaries: platform/ knows no module; a module reaches another only through its service,
 * module class and events (never entities, repositories or internals).
 */
const boundaryZones = [
  { target: './src/platform', from: './src/modules', message: 'platform/ must not import from modules/.' },
  ...modules.map((name) => ({
    target: `./src/modules/${name}`,
    from: './src/modules',
    except: [
      `./${name}`,
      ...modules
        .filter((other) => other !== name)
        .flatMap((other) => [
          `./${other}/${other}.service.ts`,
          `./${other}/${other}.module.ts`,
          `./${other}/${other}.events.ts`,
        ]),
    ],
    message: 'Use the other module’s service or events, not its internals.',
  })),
];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'eslint.config.mjs',
      'jest.config.js',
      'scripts/**',
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { import: importPlugin },
    settings: { 'import/resolver': { node: { extensions: ['.ts', '.js'] } } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      eqeqeq: ['error', 'always'],
      'import/no-restricted-paths': ['error', { zones: boundaryZones }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/explicit-module-boundary-types': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/platform/config/**', 'src/platform/tracing/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Read configuration through platform/config (AppConfig).',
        },
      ],
    },
  },
  {
    // The gateway simulator is a separate dev/test process, not the service: it has no AppConfig, so its
    // entry point reads its own GATEWAY_SIM_* variables. Only main.ts; the simulator itself takes options.
    files: ['src/gateway-sim/main.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['test/**/*.ts', '**/*.spec.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
