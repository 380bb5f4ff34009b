import { testApp } from './fixtures/app.js';
for (let i = 0; i < 5; i++) {
  const downs: (() => unknown)[] = [];
  let t = performance.now();
  const { app } = await testApp((fn) => downs.push(fn), { seed: true });
  const built = performance.now() - t; t = performance.now();
  await app.inject({ url: '/login' });
  const first = performance.now() - t; t = performance.now();
  for (const d of downs.reverse()) await d();
  console.log('testApp', Math.round(built), 'first /login', Math.round(first), 'teardown', Math.round(performance.now() - t));
}
