// Vite imports CSS for its side effect (bundled into the page's stylesheet).
declare module '*.css';
