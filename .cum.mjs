const mods = process.argv.slice(2);
const m = () => { gc(); const r = process.memoryUsage(); return `${(r.rss/1048576).toFixed(1)} (heap ${(r.heapUsed/1048576).toFixed(1)}/${(r.heapTotal/1048576).toFixed(1)})`; };
console.log('base', m());
for (const x of mods) { await import(x.startsWith('dist') ? '/work/wt/build/' + x : x); await new Promise(r=>setTimeout(r,100)); console.log(x, m()); }
