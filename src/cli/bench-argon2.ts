import { availableParallelism } from 'node:os';
import { hashPassword, verifyPassword } from '../security/passwords.js';

// How long one argon2id hash takes with our parameters (m = 19 MiB, t = 2, p = 1),
// and so how many password sign-ins one core can check per second.
const runs = Number(process.argv[2] ?? 30);
const password = 'Соседи-по-лестнице-7';

const hash = await hashPassword(password); // warm-up
const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const started = process.hrtime.bigint();
  await verifyPassword(hash, password);
  times.push(Number(process.hrtime.bigint() - started) / 1e6);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)]!;
const p95 = times[Math.floor(times.length * 0.95)]!;
console.log(`argon2id m=19456 KiB, t=2, p=1: ${hash.split('$')[3]}`);
console.log(`verify, ${runs} runs: median ${median.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms`);
console.log(`sign-in password checks per core: about ${Math.floor(1000 / median)} per second`);
console.log(`this machine has ${availableParallelism()} cores: about ${Math.floor((1000 / median) * availableParallelism())} per second in all`);
