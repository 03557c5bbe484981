// Vite bundles the stylesheet the console imports for its side effect; TypeScript only needs to know it exists.
declare module '*.css';
