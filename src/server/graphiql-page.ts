import type { GraphiQLOptions } from 'graphql-yoga';

/** Where the web console keeps its token (src/console/session.ts): the tab's sessionStorage. */
const CONSOLE_TOKEN_KEY = 'cairn.token';

/**
 * yoga's GraphiQL page, opened from the web console already signed in: the page starts GraphiQL with the console's
 * token in its headers when the tab holds one (a tab opened from the console carries a copy of its sessionStorage),
 * instead of opening on a 401. The token never leaves the browser; opened directly, the page is yoga's own.
 */
export function withConsoleToken(html: string, options: GraphiQLOptions): string {
  const call = /YogaGraphiQL\.renderYogaGraphiQL\(\s*window\.document\.querySelector\('#root'\),\s*[\s\S]*?,\s*\);/;
  if (!call.test(html)) return html;
  const start = `(() => {
          const options = ${JSON.stringify(options).replaceAll('<', '\\u003c')};
          let token = null;
          try { token = window.sessionStorage.getItem(${JSON.stringify(CONSOLE_TOKEN_KEY)}); } catch {}
          if (token) options.headers = JSON.stringify({ authorization: 'Bearer ' + token }, null, 2);
          YogaGraphiQL.renderYogaGraphiQL(window.document.querySelector('#root'), options);
        })();`;
  return html.replace(call, () => start);
}
