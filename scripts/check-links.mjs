#!/usr/bin/env node
// The link check of the API site (`pnpm run docs` runs it after typedoc): every relative link and resource of every
// generated page must name a file of the site, and every `#anchor` an element of its page. A Markdown manual that
// typedoc copied as a raw attachment (site/media/*.md) instead of rendering it as a page is an error too: add it
// to `projectDocuments` in typedoc.json.
import fs from 'node:fs';
import path from 'node:path';

const site = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, '..', 'site'));
if (!fs.existsSync(site)) {
  console.error(`check-links: no site at ${site}; run typedoc first`);
  process.exit(2);
}
const pages = fs.readdirSync(site, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.html'));
const ids = new Map();
const idsOf = (file) => {
  if (!ids.has(file)) {
    const html = fs.readFileSync(file, 'utf8');
    ids.set(file, new Set([...html.matchAll(/\s(?:id|name)="([^"]+)"/g)].map((m) => m[1])));
  }
  return ids.get(file);
};
const problems = [];
let checked = 0;
for (const page of pages) {
  const file = path.join(site, page);
  const html = fs.readFileSync(file, 'utf8');
  for (const m of html.matchAll(/\s(?:href|src)="([^"]*)"/g)) {
    const link = m[1].replace(/&amp;/g, '&');
    if (/^(?:[a-z][a-z0-9+.-]*:|\/\/)/i.test(link) || link === '') continue;
    checked++;
    const [target, anchor] = link.split('#');
    const dest = target ? path.resolve(path.dirname(file), decodeURIComponent(target.split('?')[0])) : file;
    if (!dest.startsWith(site) || !fs.existsSync(dest)) {
      problems.push(`${page}: broken link ${link}`);
      continue;
    }
    // Anchors of the icon sprite are SVG symbols; page anchors must exist (typedoc gives headings ids).
    if (anchor && dest.endsWith('.html') && !idsOf(dest).has(decodeURIComponent(anchor))) problems.push(`${page}: no #${anchor} in ${path.relative(site, dest)}`);
  }
}
const media = path.join(site, 'media');
if (fs.existsSync(media)) {
  for (const f of fs.readdirSync(media)) if (f.endsWith('.md')) problems.push(`media/${f}: a Markdown file attached raw instead of a page (add it to projectDocuments)`);
}
if (problems.length) {
  console.error(`check-links: ${problems.length} problem(s) in ${pages.length} pages\n${problems.map((p) => `  ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(`check-links: ${checked} relative links in ${pages.length} pages, all resolve`);
