import { check } from 'recheck';
for (const [s, f] of [['\\byou\\s+(?:must|should|will|are\\s+to)\\b', 'gi'], ['[A-Za-z0-9+/_-]{20,}={0,2}', 'g'], ['<([a-z][a-z0-9-]{0,15})(\\s[^<>]{0,800})?>', 'gi']]) {
  const t = Date.now();
  const r = await check(s, f, { timeout: 60000 });
  console.log(Date.now() - t, JSON.stringify(r).slice(0, 600));
}
