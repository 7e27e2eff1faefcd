/**
 * The documents the front proxies render (`app/<name>`): `urls` the Caddy sites as one string,
 * `domains` their hosts, HAProxy frontends shared by several services merged, the Caddy
 * directives the front needs forced, Caddyfile syntax as Caddy reads it; and compose files that
 * cannot be read are clean errors.
 *
 * Covers: lib/handler/compose.ts, lib/handler/proxy.ts.
 *
 * @module
 */
import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { parseCompose } from "../../lib/handler/compose.ts";
import { caddyUrls, mergeHaproxy } from "../../lib/handler/proxy.ts";
import { quiet } from "../support/harness/quiet.ts";

const WHERE = "/deploy/app-ev-1/docker-compose.yml";

/** Two services with sites, health checks and a TCP frontend both declare. */
const COMPOSE = `services:
  web:
    environment:
      CADDYFILE: |
        https://shop.example.com,
        https://www.shop.example.com:443 {
            proxy / $CONTAINER:80 {
                without /shop
            }
            gzip
            log / stdout "{common}"
            header / X-Note "a { quoted } brace"
        }
      CONSUL_CHECK_URLS: '["https://shop.example.com/health"]'
      HAPROXY: '{"ssh": {"frontend": {"mode": "tcp", "bind": ["*:2222"], "options": ["option tcplog"]}, "backends": [{"name": "web-ssh", "port": 22}]}}'
  admin:
    environment:
      CADDYFILE: |
        http://admin.shop.example.com { # the back office
            proxy / $CONTAINER:8080 {
                header_upstream Host wrong.example.com
                header_upstream X-Custom yes
            }
            timeouts 60s
        }
      HAPROXY: '{"ssh": {"frontend": {"mode": "tcp", "bind": ["*:2223", "*:2222"], "options": ["option tcplog", "timeout client 1h"]}, "backends": [{"name": "admin-ssh", "port": 22}]}}'
`;

Deno.test("urls: the Caddy sites only; checks: sites then CONSUL_CHECK_URLS; domains: their hosts once", () => {
  const facts = parseCompose(COMPOSE, "shopmaster1a2b3", WHERE);
  assertEquals(facts.urls, [
    "https://shop.example.com",
    "https://www.shop.example.com:443",
    "http://admin.shop.example.com",
  ]);
  assertEquals(facts.checks, [...facts.urls, "https://shop.example.com/health"]);
  assertEquals(facts.domains, [
    "shop.example.com",
    "www.shop.example.com",
    "admin.shop.example.com",
  ]);
});

Deno.test("HAProxy: a frontend several services declare is merged (backends joined, bind and options united)", () => {
  const facts = parseCompose(COMPOSE, "shopmaster1a2b3", WHERE);
  assertEquals(facts.haproxy, {
    ssh: {
      frontend: {
        mode: "tcp",
        bind: ["*:2222", "*:2223"],
        options: ["option tcplog", "timeout client 1h"],
      },
      backends: [
        { name: "web-ssh", port: 22, ct: "shopmaster1a2b3_web_1" },
        { name: "admin-ssh", port: 22, ct: "shopmaster1a2b3_admin_1" },
      ],
    },
  });
  assertEquals(
    mergeHaproxy([["a", { f: { backends: [{ port: 1 }] } }], [
      "b",
      { f: { frontend: { bind: ["*:9"] }, backends: [{ port: 2 }] } },
    ]]),
    { f: { frontend: { bind: ["*:9"] }, backends: [{ port: 1, ct: "a" }, { port: 2, ct: "b" }] } },
    "a frontend only the second service describes",
  );
});

Deno.test("Caddy: the directives the front needs are forced on every site", () => {
  const facts = parseCompose(COMPOSE, "shopmaster1a2b3", WHERE);
  assertEquals(
    facts.caddyfile,
    `https://shop.example.com, https://www.shop.example.com:443 {
    proxy / shopmaster1a2b3_web_1:80 {
        without /shop
        websocket
        insecure_skip_verify
        transparent
    }
    gzip
    header / X-Note "a { quoted } brace"
    timeouts 300s
    log / stdout "{hostonly} - {combined}"
}
http://admin.shop.example.com {
    proxy / shopmaster1a2b3_admin_1:8080 {
        header_upstream X-Custom yes
        websocket
        insecure_skip_verify
        header_upstream Host {host}
        header_upstream X-Real-IP {remote}
        header_upstream X-Forwarded-Proto {scheme}
    }
    timeouts 60s
    gzip
    log / stdout "{hostonly} - {>X-Forwarded-For} - {user} [{when}] \\"{method} {uri} {proto}\\" {status} {size} \\"{>Referer}\\" \\"{>User-Agent}\\""
}`,
  );
  assertEquals(caddyUrls(facts.caddyfile), facts.urls, "the stored caddyfile reads back");
});

Deno.test("Caddyfile: quoted arguments may hold braces; 'foo{' and misplaced braces are errors naming the line", () => {
  assertEquals(caddyUrls('a.example.com {\n  header / X "}"\n  rewrite "{" {\n    to /x\n  }\n}'), [
    "a.example.com",
  ]);
  const cases: Array<[string, string]> = [
    ["a.example.com {\n  proxy / ct:80{\n  }\n}", "line 2: 'ct:80{': '{' must be separated"],
    ["a.example.com{\n}", "line 1: 'a.example.com{': '{' must be separated"],
    ["a.example.com {\n  gzip }\n", "line 2: '}' must be on a line of its own"],
    ["a.example.com {\n  gzip\n", "line 1: site block not closed by '}'"],
    ['a.example.com {\n  header / X "open\n}\n', "line 2: unterminated quoted argument"],
    ["a.example.com\nproxy / ct:80\n", "line 1: expected a site block"],
    ["a {\n  proxy / x {\n    y {\n    }\n  }\n}", "line 3: blocks are not allowed inside"],
  ];
  for (const [text, message] of cases) {
    assertThrows(() => caddyUrls(text), (e: Error) => e.message.startsWith(message), text);
  }
});

Deno.test("compose files that cannot be used: `compose file <path>: <line>:<col> <message>`, nothing on stderr", () => {
  const cases: Array<[string, string, string?]> = [
    ["services: [", `compose file ${WHERE}: 1:12 Flow sequence in block collection`],
    ["services:\n  web: {}\n  web: {}\n", `compose file ${WHERE}: 3:3 Map keys must be unique`],
    ["services:\n\t web: {}\n", `compose file ${WHERE}: 2:1 Tabs are not allowed`],
    ["services: {a: *nothing}\n", `compose file ${WHERE}: 1:15 Unresolved alias`],
    ["[".repeat(50_000), `compose file ${WHERE}: 1:`, " nested too deep"],
    ["- a\n- b\n", `compose file ${WHERE}: 1:1 expected a mapping at the top`],
    ["services:\n  - web\n", `compose file ${WHERE}: 2:3 services: expected a mapping`],
    [
      'services:\n  web:\n    environment:\n      CADDYFILE: "a.example.com {\\n proxy / x{\\n}"\n',
      `compose file ${WHERE}: 4:7 services.web.environment.CADDYFILE: line 2: 'x{': '{' must`,
    ],
    [
      "services:\n  web:\n    environment:\n      HAPROXY: '[1'\n",
      `compose file ${WHERE}: 4:7 services.web.environment.HAPROXY: expected a mapping`,
    ],
    [
      "services:\n  web:\n    environment:\n      CONSUL_CHECK_URLS: 'x'\n",
      `compose file ${WHERE}: 4:7 services.web.environment.CONSUL_CHECK_URLS: expected a list`,
    ],
    [
      "x: !unknown-tag y\nservices: 3\n",
      `compose file ${WHERE}: 2:11 services: expected a mapping`,
    ],
    [
      "volumes:\n  ../x: {driver: anybox/buttervolume:latest}\n",
      `compose file ${WHERE}: 2:3 volumes: "../x" is not a volume name`,
    ],
  ];
  for (const [text, start, end = ""] of cases) {
    const printed = quiet(() =>
      assertThrows(
        () => parseCompose(text, "p", WHERE),
        (e: Error) =>
          e.name === "ComposeError" && e.message.startsWith(start) && e.message.endsWith(end),
        `${JSON.stringify(text.slice(0, 60))} should start with ${start}`,
      )
    );
    assertEquals(printed, [], `nothing printed for ${JSON.stringify(text.slice(0, 40))}`);
  }
});
