/** Module hooks (see node20-glob.mjs): every `fs` import but the shim's own gets the shim. */
const shim = new URL('./fs-with-glob.mjs', import.meta.url).href;

export async function resolve(specifier, context, next) {
  if ((specifier === 'fs' || specifier === 'node:fs') && context.parentURL !== shim) return { url: shim, shortCircuit: true };
  return next(specifier, context);
}
