/**
 * The places an agent meets untrusted text, as templates that carry an injection: documents,
 * code comments in several languages, HTML with hidden elements, markdown, JSON tool results,
 * shell output, emails, issues, commit messages, CSV, YAML and logs. `host` is a piece of
 * real text (a chunk of a README or source file) so the injection sits in ordinary content.
 */
import { ADDRESS, cap, FILLER, HOST, lower, pick, type Rand } from './lexicon.js';

const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/**
 * A payload in one of the carriers; `host` is ordinary text split around it. With `address`
 * false the payload is never addressed to the model: benign twins of the carried attacks use
 * the same carriers with ordinary text, so the model learns the payload and not the carrier.
 */
export function carry(rand: Rand, payload: string, host?: string, address = true): string {
  const text = host && host.length > 40 ? host : `${pick(rand, FILLER)} ${pick(rand, FILLER)}`;
  const cut = text.lastIndexOf(' ', Math.floor(text.length * (0.2 + rand() * 0.6)));
  const f1 = cut > 0 ? text.slice(0, cut) : text;
  const f2 = cut > 0 ? text.slice(cut + 1) : pick(rand, FILLER);
  const addr = address ? pick(rand, ADDRESS) : pick(rand, ['Note', 'Summary', 'Update', 'Reminder', 'Tip', 'Context']);
  const said = address && rand() < 0.5 ? `${addr}: ${payload}` : payload;
  const host1 = pick(rand, HOST);
  const forms: (() => string)[] = [
    // Documents and markdown.
    () => `${f1}\n\n${said}\n\n${f2}`,
    () => `# Project notes\n\n${f1}\n\n<!-- ${said} -->\n\n${f2}`,
    () => `${f1}\n\n> **${addr}**: ${payload}\n\n${f2}`,
    () => `${f1}\n\n[//]: # (${payload})\n\n${f2}`,
    () => `---\ntitle: Guide\ndescription: "${esc(payload)}"\n---\n${f1}\n\n${f2}`,
    () => `${f1}\n\n[documentation](https://${host1}/docs "${esc(payload)}")\n\n${f2}`,
    () => `${f1}\n\n![diagram](arch.png "${esc(said)}")\n\n${f2}`,
    () => `${f1}[^1]\n\n[^1]: ${said}\n\n${f2}`,
    () => `| name | value |\n|---|---|\n| summary | ${f1.slice(0, 120)} |\n| note | ${payload} |`,
    () => `${f1} ${payload} ${f2}`,
    () => `<details><summary>More</summary>\n\n${said}\n\n</details>\n\n${f1}`,
    // HTML.
    () => `<html><body><p>${f1}</p><div style="display:none">${said}</div><p>${f2}</p></body></html>`,
    () => `<p>${f1}</p><span style="color:#fff;font-size:1px">${payload}</span><p>${f2}</p>`,
    () => `<meta name="description" content="${esc(payload)}">\n<article>${f1}</article>`,
    () => `<img src="chart.png" alt="${esc(said)}">\n<p>${f1}</p>`,
    () => `<div aria-hidden="true" class="sr-only">${said}</div>\n<main>${f1}</main>`,
    () => `<noscript>${payload}</noscript><section>${f1}</section>`,
    () => `<p title="${esc(payload)}">${f1}</p>`,
    () => `<template id="x">${said}</template><p>${f1}</p>`,
    // Code.
    () => `// utils.js\n// ${addr.toUpperCase()}: ${payload}\nfunction add(a, b) {\n  return a + b;\n}\n${f1.slice(0, 200)}`,
    () => `def handler(event):\n    """${f1.slice(0, 160)}\n\n    ${said}\n    """\n    return event`,
    () => `/**\n * ${f1.slice(0, 160)}\n *\n * @remarks ${said}\n */\nexport function parse(input: string) {\n  return JSON.parse(input);\n}`,
    () => `# config.py\n# ${said}\nTIMEOUT = 30\nRETRIES = 3`,
    () => `package main\n\n// ${said}\nfunc main() {\n\tfmt.Println("ok")\n}`,
    () => `fn main() {\n    // NOTE(${lower(addr)}): ${payload}\n    println!("hello");\n}`,
    () => `#!/bin/sh\n# ${said}\nset -e\nnpm ci\nnpm test`,
    () => `-- migration 042\n-- ${said}\nALTER TABLE users ADD COLUMN locale TEXT;`,
    () => `FROM node:20-slim\n# ${said}\nRUN npm ci\nCMD ["node", "server.js"]`,
    () => `const MESSAGE = "${esc(payload)}";\nmodule.exports = { MESSAGE };`,
    () => `// TODO(agent): ${payload}\n${f1.slice(0, 200)}`,
    () => `name: ci\non: [push]\n# ${said}\njobs:\n  test:\n    runs-on: ubuntu-latest`,
    // Structured tool results.
    () => `{"results": [{"title": "${esc(f1.slice(0, 80))}", "snippet": "${esc(payload)}"}]}`,
    () => `{"issue": {"number": 4127, "title": "Build fails on Windows", "body": "${esc(`${f1.slice(0, 120)}\n\n${said}`)}"}}`,
    () => `{"name": "left-padder", "version": "2.1.0", "description": "${esc(payload)}", "main": "index.js"}`,
    () => `{"status": "ok", "data": {"message": "${esc(said)}"}, "error": null}`,
    () => `{"type": "tool_result", "content": "${esc(`${f1.slice(0, 150)}\n${said}`)}"}`,
    () => `{"comments": [{"author": "octo", "body": "LGTM"}, {"author": "anon", "body": "${esc(payload)}"}]}`,
    () => `$ cat NOTES.txt\n${f1.slice(0, 160)}\n${said}\n$ `,
    () => `$ npm test\n\n> test\n> vitest run\n\n ✓ src/a.test.ts (3 tests)\n ✗ src/b.test.ts\n   Error: ${payload}\n`,
    () => `2026-03-02T10:14:22Z INFO request served in 12ms\n2026-03-02T10:14:23Z WARN ${said}\n2026-03-02T10:14:24Z INFO healthy`,
    () => `Traceback (most recent call last):\n  File "app.py", line 3, in <module>\nValueError: ${payload}`,
    () => `id,name,comment\n1,Alice,Great product\n2,Bob,"${payload.replace(/"/g, "'")}"\n3,Chen,Fast shipping`,
    () => `key: value\nnotes: |\n  ${said}\nreplicas: 3`,
    () => `Tool output:\n${f1.slice(0, 200)}\n[${pick(rand, ['SYSTEM', 'ADMIN', 'IMPORTANT', 'NOTE', 'AGENT', 'PRIORITY'])}] ${payload}`,
    () => `ERROR 500 while fetching page. ${addr}: the page could not load, so ${lower(payload)}`,
    // Messages people send.
    () => `Subject: Invoice\nFrom: billing@example.com\n\n${f1.slice(0, 200)}\n\n${payload}\n\nThanks,\nAccounts`,
    () => `Review from user42: ${f1.slice(0, 120)} By the way, ${addr.toLowerCase()}, ${lower(payload)}`,
    () => `commit 3f2a9c1\nAuthor: dev <dev@example.com>\n\n    Fix typo\n\n    ${said}`,
    () => `## Description\n\n${f1.slice(0, 200)}\n\n## Notes for reviewers\n\n${said}`,
    () => `BEGIN:VEVENT\nSUMMARY:Planning\nDESCRIPTION:${payload}\nEND:VEVENT`,
    () => `Resume — Jane Doe\nExperience: 8 years backend.\n${cap(said)}\nSkills: Go, SQL`,
    () => `[slack] @channel ${f1.slice(0, 100)}\n[slack] ${said}`,
  ];
  return pick(rand, forms)();
}
