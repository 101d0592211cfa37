import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

// The tiers, innermost rule last: each later block adds a rule to the one before, since a
// block's no-restricted-imports replaces (not merges with) an earlier block's for the same file.
const NO_SHELL = [
  { group: ['electron', '**/electron/**'], message: 'local-gateway and sync never import Electron.' },
  { group: ['**/renderer/**'], message: 'local-gateway and sync never import the dashboard.' },
];
const BELOW_CENTRAL = [
  ...NO_SHELL,
  { group: ['**/sync/central/**', '**/central/**'], message: 'Only the central gateway imports sync/central: the local gateway and the device side sit below it.' },
];
const GATEWAY_CORE = [
  ...BELOW_CENTRAL,
  { group: ['**/sync/**'], allowTypeImports: true, message: 'The gateway\'s core imports only types from sync; wire sync code in server/plugins/.' },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', 'renderer/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Layering: the gateway never depends on the desktop shell or the dashboard.
    files: ['local-gateway/**/*.ts', 'sync/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [...NO_SHELL] }],
    },
  },
  {
    // The central gateway builds on the local one, never the other way round (the CLI reaches
    // `gatehouse central` by a dynamic import, which this rule does not see).
    files: ['local-gateway/**/*.ts', 'sync/device/**/*.ts', 'sync/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [...BELOW_CENTRAL] }],
    },
  },
  {
    // Sync sits above the gateway: its core uses sync's contracts as types at most. Only the
    // composition points (the service plugins, the CLI, the admin API's contracts) import sync code.
    files: ['local-gateway/**/*.ts'],
    ignores: ['local-gateway/server/plugins/**', 'local-gateway/server/options.ts', 'local-gateway/cli/**', 'local-gateway/admin/schemas.ts', '**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [...GATEWAY_CORE] }],
    },
  },
  {
    // Config builds the provider union from the provider registry, so providers never import config.
    files: ['local-gateway/providers/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        ...GATEWAY_CORE,
        { group: ['**/config/**'], message: 'providers/ sits below config/: each kind\'s schema is in its folder, and config/schema.ts builds the union from providers/registry.ts.' },
      ] }],
    },
  },
  {
    // The contracts the gateway and the dashboard share are pure: they import nothing, so the
    // dashboard can bundle them without pulling server code or zod into the browser.
    files: ['local-gateway/contracts/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { regex: '^(?!\\./)', message: 'local-gateway/contracts imports nothing outside itself (the dashboard bundles it).' },
      ] }],
    },
  },
  {
    // The desktop app's logic is plain TypeScript, tested in Node: only the adapter (main/index.ts)
    // and the preload touch Electron, everything else takes its types at most.
    files: ['electron/**/*.ts'],
    ignores: ['electron/main/index.ts', 'electron/preload/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['electron'], allowTypeImports: true, message: 'Only electron/main/index.ts (the adapter) and the preload import Electron; the rest stays testable in Node.' },
        { group: ['**/renderer/**'], message: 'The app loads the dashboard from the gateway; it imports none of it.' },
      ] }],
    },
  },
  {
    // The preload runs beside untrusted page content: it sees the IPC contract and Electron's bridge, nothing else.
    files: ['electron/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['node:*', '**/local-gateway/**', '**/sync/**', '**/main/**'], message: 'The preload imports only electron and electron/ipc-contract.ts.' },
      ] }],
    },
  },
  {
    // The dashboard runs in a browser (and the desktop app's sandboxed renderer): no Node, no
    // Electron, and only types from the gateway, so none of its server code or zod is bundled.
    files: ['renderer/src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
      'no-restricted-imports': ['error', { patterns: [
        { group: ['electron', '**/electron/**'], message: 'The dashboard never imports Electron: the preload hands it what it needs.' },
        { group: ['node:*'], message: 'The dashboard runs in a browser: no Node modules.' },
        // contracts/ is pure and imports nothing: the dashboard reads a trace's texts as the engine does with it.
        { regex: '(^|/)local-gateway/(?!contracts/)', allowTypeImports: true, message: 'The dashboard imports only types from the gateway (import type), and the shared contracts in local-gateway/contracts/.' },
        { group: ['**/sync/**'], allowTypeImports: true, message: 'The dashboard imports only types from sync (import type).' },
      ] }],
    },
  },
);
