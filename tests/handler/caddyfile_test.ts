/**
 * Caddyfile fragments as the services carry them in `CADDYFILE`: parsed into sites, printed
 * back, given the front's forced directives; the errors Caddy itself gives.
 *
 * Covers: lib/handler/caddyfile.ts.
 */
import { deepEqual, equal, throws } from "node:assert/strict";
import {
  CaddyfileError,
  formatCaddyfile,
  HTTP_LOG,
  HTTPS_LOG,
  parseCaddyfile,
  siteHost,
  withFrontDefaults,
} from "../../lib/handler/caddyfile.ts";

const TEXT = `# the shop
http://shop.example.com, http://www.shop.example.com {
    proxy / shop:80 {
        header_upstream Host shop.internal
        max_fails 3
    }
    log /var/log/shop.log
    gzip
}
`;

Deno.test("a site: its addresses, directives and one proxy block; printed back as parsed", () => {
  const sites = parseCaddyfile(TEXT);
  deepEqual(sites, [{
    keys: ["http://shop.example.com", "http://www.shop.example.com"],
    directives: [
      {
        args: ["proxy", "/", "shop:80"],
        block: [["header_upstream", "Host", "shop.internal"], ["max_fails", "3"]],
      },
      { args: ["log", "/var/log/shop.log"] },
      { args: ["gzip"] },
    ],
  }]);
  deepEqual(parseCaddyfile(formatCaddyfile(sites)), sites);
});

Deno.test("a quoted token keeps its spaces and braces, and prints quoted again", () => {
  const sites = parseCaddyfile(
    'http://a.example.com {\n    header / X-Note "a { b } \\"c\\""\n}\n',
  );
  deepEqual(sites[0].directives[0].args, ["header", "/", "X-Note", 'a { b } "c"']);
  deepEqual(parseCaddyfile(formatCaddyfile(sites)), sites);
});

Deno.test("the front's defaults: forced proxy settings replace the site's own, log replaced", () => {
  const [site] = parseCaddyfile(TEXT);
  const front = withFrontDefaults(site);
  deepEqual(front.directives, [
    {
      args: ["proxy", "/", "shop:80"],
      block: [
        ["max_fails", "3"],
        ["websocket"],
        ["insecure_skip_verify"],
        ["header_upstream", "Host", "{host}"],
        ["header_upstream", "X-Real-IP", "{remote}"],
        ["header_upstream", "X-Forwarded-Proto", "{scheme}"],
      ],
    },
    { args: ["gzip"] },
    { args: ["timeouts", "300s"] },
    { args: ["log", "/", "stdout", HTTP_LOG] },
  ]);
  const [https] = parseCaddyfile("https://a.example.com {\n    proxy / a:443\n}\n");
  deepEqual(withFrontDefaults(https).directives.at(-1), {
    args: ["log", "/", "stdout", HTTPS_LOG],
  });
  deepEqual(withFrontDefaults(https).directives[0].block?.at(-1), ["transparent"]);
});

Deno.test("refused as Caddy refuses: a one-line site block, a token ending in {", () => {
  throws(() => parseCaddyfile("http://a.example.com { gzip }\n"), CaddyfileError);
  throws(() => parseCaddyfile("http://a.example.com {\n    proxy{\n    }\n}\n"), CaddyfileError);
});

Deno.test("siteHost: scheme, port and path dropped, lower-cased; IPv6 kept in brackets", () => {
  equal(siteHost("https://A.Example.com:8443/x"), "a.example.com");
  equal(siteHost("shop.example.com"), "shop.example.com");
  equal(siteHost("http://[::1]:80"), "[::1]");
});

Deno.test("white space is Caddy's (Go's unicode.IsSpace): U+3000 splits, U+FEFF stays in a word, a leading BOM is dropped", () => {
  const sites = parseCaddyfile(
    '\uFEFFhttp://a.example.com {\n    header\u3000/\u00A0X-A b\uFEFFc\n    x"y\\\n}\n',
  );
  deepEqual(sites, [{
    keys: ["http://a.example.com"],
    directives: [{ args: ["header", "/", "X-A", "b\uFEFFc"] }, { args: ['x"y\\'] }],
  }]);
  deepEqual(parseCaddyfile(formatCaddyfile(sites)), sites);
  throws(
    () => parseCaddyfile("http://a\u200B.example.com {\n}\n"),
    /^CaddyfileError: line 1: site address 'http:\/\/a\\u200B\.example\.com' holds the invisible character U\+200B/,
  );
});
