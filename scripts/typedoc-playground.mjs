// A typedoc plugin: a "Playground" link to the browser playground (apps/playground), which `pnpm run docs` builds
// into site/playground/ after typedoc. On the front page it opens the content; on every page it heads the sidebar.
// The link is made relative to each page, so the site works from any folder; scripts/check-links.mjs checks it.
import { JSX } from 'typedoc';

const TARGET = 'playground/index.html';

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.renderer.hooks.on('sidebar.begin', (ctx) => JSX.createElement('p', null, JSX.createElement('a', { href: ctx.relativeURL(TARGET), id: 'playground-link' }, 'Playground: memsim in the browser')));
  app.renderer.hooks.on('content.begin', (ctx) =>
    ctx.page.url === 'index.html'
      ? JSX.createElement(
          'p',
          { class: 'playground-callout' },
          JSX.createElement('strong', null, 'Try it in the browser: '),
          JSX.createElement('a', { href: ctx.relativeURL(TARGET) }, 'the memsim playground'),
          ' runs the model in the page: type mmap(...), fork() or munmap(...) and watch the Linux view and the Zircon objects Starnix builds for it.',
        )
      : JSX.createElement(JSX.Fragment, null),
  );
}
