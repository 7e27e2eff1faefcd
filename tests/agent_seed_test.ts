/**
 * The seed's agent doctest (shared/seeds/003), scenario by scenario and in its order, on the
 * embedded store and the seed's fake host: a tree, a version bump, the whole transcript.
 */
import { deepEqual as assertEquals } from "node:assert/strict";
import { deploymentsForHost } from "../lib/agent/deployments.ts";
import { readIdentity } from "../lib/agent/identity.ts";
import { scanInstalled } from "../lib/agent/installed.ts";
import { openLocalStore } from "../lib/store/local.ts";
import { deleteRecursive, readTree } from "../lib/store/tree_io.ts";
import { formatTree } from "../lib/tree/format.ts";
import { AgentBench } from "./support/agent_harness.ts";
import { HOST_NAME, makeSeedRoot } from "./support/agent_fake_host.ts";
import { cmd, deploying, done, failed, INITIAL_TREE } from "./support/agent_transcript.ts";

const SQUID_CACHES = [
  cmd("/opt/squid/bin/zookeeper-deploy /cust/someapp/cache 0"),
  cmd("/opt/squid/bin/zookeeper-deploy /cust2/someapp/cache 0"),
].flat();

const SQUID_TREE = `
/cust
  /someapp
    /cache : squid
      version = '2.0'
      /deploy
        /cache
/cust2
  /someapp
    /cache : squid
      version = '2.0'
      /deploy
        /cache
`;

const REWRITER = (version: string, deployed: boolean) => `
/cust
  /someapp
    /cache : squid
      version = '2.0'
      /deploy
        /cache
    /rewriter : pywrite
      version = '${version}'
      /deploy${deployed ? "\n        /cache" : ""}
/cust2
  /someapp
    /cache : squid
      version = '2.0'
      /deploy
        /cache
`;

const SVN = "svn+ssh://svn.zope.com/repos/main/pywrite/trunk";

Deno.test("agent: the seed's scenarios, in order", async (t) => {
  const root = await makeSeedRoot();
  const storeDir = await Deno.makeTempDir({ prefix: "agent-store-" });
  const store = await openLocalStore(`${storeDir}/tree.json`);
  const bench = new AgentBench(store, root);
  let version = 1;
  const bump = () => bench.setVersion(++version);
  try {
    await bench.importTree(INITIAL_TREE);

    await t.step("start-up: identity, host node, deployments, installed", async () => {
      await bench.start();
      assertEquals(bench.take(), ["INFO Agent starting, cluster 1, host 1"]);
      assertEquals(bench.agent!.host, { id: "424242424242", name: "host42", role: null });
      assertEquals(bench.agent!.version, 1);
      assertEquals(bench.agent!.clusterVersion, 1);
      assertEquals(
        await bench.print(),
        "/hosts\n  version = 1\n  /424242424242\n    name = 'host42'\n    version = 1\n",
      );
      const host = await readIdentity(root, HOST_NAME);
      const desired = deploymentsForHost(await readTree(store), host);
      assertEquals(
        desired.map((d) => [d.app, d.subtype, d.version, d.pkg, d.path, d.n]).sort(),
        [
          ["z4m", null, "1.0.0", "z4m", "/cust/someapp/cms", 0],
          ["z4m", null, "1.0.0", "z4m", "/cust2/someapp/cms", 0],
          ["z4mmonitor", null, "1.1.0", "z4mmonitor", "/cust/someapp/monitor", 0],
        ],
      );
      assertEquals((await scanInstalled(root)).deployments, [
        { app: "z4m", pkg: "z4m", path: "/cust/someapp/cms", n: 0 },
        { app: "z4m", pkg: "z4m", path: "/cust2/someapp/cms", n: 0 },
        { app: "z4mmonitor", pkg: "z4mmonitor", path: "/cust/someapp/monitor", n: 0 },
      ]);
    });

    await t.step("basic update: a removed deployment and its unused package go", async () => {
      await bench.importTree(`
/cust
  /someapp
    /cms : z4m
       version = '1.0.0'
       /deploy
          /424242424242
/cust2
  /someapp
    /cms : z4m
       version = '1.0.0'
       /deploy
          /424242424242
`);
      assertEquals(
        await bump(),
        deploying(
          2,
          cmd("/opt/z4mmonitor/bin/zookeeper-deploy -u /cust/someapp/monitor 0"),
          cmd("yum -q list installed z4m"),
          cmd("/opt/z4m/bin/zookeeper-deploy /cust/someapp/cms 0"),
          cmd("/opt/z4m/bin/zookeeper-deploy /cust2/someapp/cms 0"),
          cmd("yum -y remove z4mmonitor"),
          done(2),
        ),
      );
      assertEquals(
        await bench.print(),
        "/hosts\n  version = 2\n  /424242424242\n    name = 'host42'\n    version = 2\n",
      );
    });

    const CMS_AND_MONITOR = (n = "") => `
/cust
  /someapp
    /cms : z4m
       version = '1.0.0'
       /deploy
          /424242424242
/cust2
  /someapp
    /cms : z4m
       version = '1.0.0'
       /deploy
          /424242424242${n}
    /monitor : z4mmonitor
       version = '1.1.0'
       /deploy
          /424242424242
`;

    await t.step("an added deployment installs its package", async () => {
      await bench.importTree(CMS_AND_MONITOR());
      assertEquals(
        await bump(),
        deploying(
          3,
          cmd("yum -q list installed z4m"),
          cmd("yum -y clean all"),
          cmd("yum -y install z4mmonitor-1.1.0"),
          cmd("yum -q list installed z4mmonitor"),
          cmd("/opt/z4m/bin/zookeeper-deploy /cust/someapp/cms 0"),
          cmd("/opt/z4m/bin/zookeeper-deploy /cust2/someapp/cms 0"),
          cmd("/opt/z4mmonitor/bin/zookeeper-deploy /cust2/someapp/monitor 0"),
          done(3),
        ),
      );
    });

    await t.step("a package still in use is not removed", async () => {
      await bench.importTree(`
/cust
  /someapp
    /cms : z4m
       version = '1.0.0'
       /deploy
          /424242424242
/cust2
  /someapp
    /monitor : z4mmonitor
       version = '1.1.0'
       /deploy
          /424242424242
`);
      assertEquals(
        await bump(),
        deploying(
          4,
          cmd("/opt/z4m/bin/zookeeper-deploy -u /cust2/someapp/cms 0"),
          cmd("yum -q list installed z4m"),
          cmd("yum -q list installed z4mmonitor"),
          cmd("/opt/z4m/bin/zookeeper-deploy /cust/someapp/cms 0"),
          cmd("/opt/z4mmonitor/bin/zookeeper-deploy /cust2/someapp/monitor 0"),
          done(4),
        ),
      );
    });

    await t.step("n instances", async () => {
      await bench.importTree(CMS_AND_MONITOR("\n            n = 3"));
      assertEquals(
        await bump(),
        deploying(
          5,
          cmd("yum -q list installed z4m"),
          cmd("yum -q list installed z4mmonitor"),
          cmd("/opt/z4m/bin/zookeeper-deploy /cust/someapp/cms 0"),
          cmd("/opt/z4m/bin/zookeeper-deploy /cust2/someapp/cms 0"),
          cmd("/opt/z4m/bin/zookeeper-deploy /cust2/someapp/cms 1"),
          cmd("/opt/z4m/bin/zookeeper-deploy /cust2/someapp/cms 2"),
          cmd("/opt/z4mmonitor/bin/zookeeper-deploy /cust2/someapp/monitor 0"),
          done(5),
        ),
      );
      await bench.importTree(`
/cust2
  /someapp
    /cms : z4m
       version = '1.0.0'
       /deploy
          /424242424242
            n = 1
    /monitor : z4mmonitor
       version = '1.1.0'
       /deploy
          /424242424242
`);
      assertEquals(
        await bump(),
        deploying(
          6,
          cmd("/opt/z4m/bin/zookeeper-deploy -u /cust2/someapp/cms 1"),
          cmd("/opt/z4m/bin/zookeeper-deploy -u /cust2/someapp/cms 2"),
          cmd("yum -q list installed z4m"),
          cmd("yum -q list installed z4mmonitor"),
          cmd("/opt/z4m/bin/zookeeper-deploy /cust/someapp/cms 0"),
          cmd("/opt/z4m/bin/zookeeper-deploy /cust2/someapp/cms 0"),
          cmd("/opt/z4mmonitor/bin/zookeeper-deploy /cust2/someapp/monitor 0"),
          done(6),
        ),
      );
    });

    const Z4M = (cust: string, cust2: string, hosts = ["424242424242"], extra = "") => `
/cust
  /someapp
    /cms : ${cust}
       /deploy
          /${hosts[0]}
/cust2
  /someapp
    /cms : z4m
       version = '${cust2}'
       /deploy
          /${hosts[0]}
            n = 1${extra}
    /monitor : z4mmonitor
       version = '1.1.0'
       /deploy
          /${hosts[0]}
`;

    await t.step("software versions: upgrade, then inconsistent versions", async () => {
      await bench.importTree(Z4M("z4m\n       version = '2.0.0'", "2.0.0"));
      assertEquals(
        await bump(),
        deploying(
          7,
          cmd("yum -q list installed z4m"),
          cmd("yum -y clean all"),
          cmd("yum -y install z4m-2.0.0"),
          cmd("yum -q list installed z4m"),
          cmd("yum -q list installed z4mmonitor"),
          cmd("/opt/z4m/bin/zookeeper-deploy /cust/someapp/cms 0"),
          cmd("/opt/z4m/bin/zookeeper-deploy /cust2/someapp/cms 0"),
          cmd("/opt/z4mmonitor/bin/zookeeper-deploy /cust2/someapp/monitor 0"),
          done(7),
        ),
      );
      await bench.importTree(Z4M("z4m\n       version = '2.0.0'", "3.0.0"));
      assertEquals(
        await bump(),
        deploying(
          8,
          failed(8, "DeploymentError: Inconsistent versions for z4m. '3.0.0' != '2.0.0'"),
        ),
      );
    });

    await t.step("versioned package names live side by side", async () => {
      await bench.importTree(Z4M("z4m-4.0.0", "2.0.0"));
      assertEquals(
        await bump(),
        deploying(
          9,
          cmd("yum -q list installed z4m"),
          cmd("yum -y clean all"),
          cmd("yum -y install z4m-4.0.0"),
          cmd("yum -q list installed z4m-4.0.0"),
          cmd("yum -q list installed z4mmonitor"),
          cmd("/opt/z4m-4.0.0/bin/zookeeper-deploy /cust/someapp/cms 0"),
          cmd("/opt/z4m/bin/zookeeper-deploy /cust2/someapp/cms 0"),
          cmd("/opt/z4mmonitor/bin/zookeeper-deploy /cust2/someapp/monitor 0"),
          done(9),
        ),
      );
      await bench.importTree(Z4M("z4m-5.0.0", "2.0.0"));
      assertEquals(
        await bump(),
        deploying(
          10,
          cmd("yum -q list installed z4m"),
          cmd("yum -y clean all"),
          cmd("yum -y install z4m-5.0.0"),
          cmd("yum -q list installed z4m-5.0.0"),
          cmd("yum -q list installed z4mmonitor"),
          cmd("/opt/z4m-5.0.0/bin/zookeeper-deploy /cust/someapp/cms 0"),
          cmd("/opt/z4m/bin/zookeeper-deploy /cust2/someapp/cms 0"),
          cmd("/opt/z4mmonitor/bin/zookeeper-deploy /cust2/someapp/monitor 0"),
          cmd("yum -y remove z4m-4.0.0"),
          done(10),
        ),
      );
    });

    const HOST42_RUN = (v: number) =>
      deploying(
        v,
        cmd("yum -q list installed z4m"),
        cmd("yum -q list installed z4m-5.0.0"),
        cmd("yum -q list installed z4mmonitor"),
        cmd("/opt/z4m-5.0.0/bin/zookeeper-deploy /cust/someapp/cms 0"),
        cmd("/opt/z4m/bin/zookeeper-deploy /cust2/someapp/cms 0"),
        cmd("/opt/z4mmonitor/bin/zookeeper-deploy /cust2/someapp/monitor 0"),
        done(v),
      );

    await t.step("host names; other hosts' deployments are ignored; id+name conflict", async () => {
      await bench.importTree(Z4M("z4m-5.0.0", "2.0.0", ["host42"]));
      assertEquals(await bump(), HOST42_RUN(11));
      await bench.importTree(
        Z4M("z4m-5.0.0", "2.0.0", ["host42"], "\n          /353535353535\n            n = 4"),
      );
      assertEquals(await bump(), HOST42_RUN(12));
      await bench.importTree(
        Z4M("z4m-5.0.0", "2.0.0", ["host42"], "\n          /424242424242\n            n = 1"),
      );
      assertEquals(
        await bump(),
        deploying(
          13,
          failed(
            13,
            "DeploymentError: Conflicting deployments for /cust2/someapp/cms. " +
              "Can't deploy to host42 and 424242424242.",
          ),
        ),
      );
      await bench.importTree(`
/cust2
  /someapp
    /cms : z4m
       version = '2.0.0'
       /deploy
          /host42
            n = 1
    /monitor : z4mmonitor
       version = '1.1.0'
       /deploy
          /host42
`);
      assertEquals(await bump(), HOST42_RUN(14));
    });

    await t.step("roles", async () => {
      await bench.importTree(`
/cust
  /someapp
    /cms : z4m-5.0.0
       /deploy
          /host42
    /cache : squid
      version = '2.0'
      /deploy
        /cache
/cust2
  /someapp
    /cms : z4m
       version = '2.0.0'
       /deploy
          /host42
            n = 1
    /cache : squid
      version = '2.0'
      /deploy
        /cache
    /monitor : z4mmonitor
       version = '1.1.0'
       /deploy
          /host42
`);
      await Deno.writeTextFile(`${root}/etc/zim/role`, "cache\n");
      await bench.close();
      await bench.start();
      assertEquals(bench.take(), ["INFO Agent starting, cluster 14, host 14"]);
      assertEquals(bench.agent!.host.role, "cache");
      assertEquals(
        await bump(),
        deploying(
          15,
          failed(
            15,
            "DeploymentError: Found a host-based deployment at /cust/someapp/cms/deploy/host42 " +
              "but the host has a role, cache.",
          ),
        ),
      );
      await bench.importTree(SQUID_TREE);
      assertEquals(
        await bump(),
        deploying(
          16,
          cmd("/opt/z4m/bin/zookeeper-deploy -u /cust2/someapp/cms 0"),
          cmd("/opt/z4m-5.0.0/bin/zookeeper-deploy -u /cust/someapp/cms 0"),
          cmd("/opt/z4mmonitor/bin/zookeeper-deploy -u /cust2/someapp/monitor 0"),
          cmd("yum -y clean all"),
          cmd("yum -y install squid-2.0"),
          cmd("yum -q list installed squid"),
          SQUID_CACHES,
          cmd("yum -y remove z4m"),
          cmd("yum -y remove z4m-5.0.0"),
          cmd("yum -y remove z4mmonitor"),
          done(16),
        ),
      );
    });

    await t.step("verbose mode logs successful output", async () => {
      bench.agent!.verbose = true;
      assertEquals(
        await bump(),
        deploying(
          17,
          cmd("yum -q list installed squid"),
          "Installed Packages",
          "squid \t2.0-1 \tinstalled",
          "INFO SUCCESS",
          cmd("/opt/squid/bin/zookeeper-deploy /cust/someapp/cache 0"),
          "INFO SUCCESS",
          cmd("/opt/squid/bin/zookeeper-deploy /cust2/someapp/cache 0"),
          "INFO SUCCESS",
          done(17),
        ),
      );
      bench.agent!.verbose = false;
    });

    await t.step("run once; a restarted agent catches up", async () => {
      await bench.close();
      assertEquals(await bench.runOnce(), true);
      assertEquals(bench.take(), ["INFO Agent starting, cluster 17, host 17"]);
      assertEquals(await bump(), []);
      await bench.start();
      assertEquals(
        bench.take(),
        [
          "INFO Agent starting, cluster 18, host 17",
          ...deploying(18, cmd("yum -q list installed squid"), SQUID_CACHES, done(18)),
        ],
      );
    });

    await t.step("errors: command output is logged, ALL STOP, error on the host node", async () => {
      await bench.importTree(SQUID_TREE.replaceAll("'2.0'", "'bad'"));
      assertEquals(
        await bump(),
        deploying(
          19,
          cmd("yum -q list installed squid"),
          cmd("yum -y clean all"),
          cmd("yum -y install squid-bad"),
          "Error: Couldn't find package squid-bad",
          "ERROR FAILURE",
          failed(19, "CommandError: Command failed: yum -y install squid-bad"),
        ),
      );
      assertEquals(
        await bench.print(),
        `/hosts
  version = None
  /424242424242
    error = 'Command failed: yum -y install squid-bad'
    name = 'host42'
    role = 'cache'
    version = 18
`,
      );
      await bench.importTree(`
/cust
  /someapp
    /cache : squid
      version = '2.0'
      /deploy
        /cache
    /acrank : cranky
      version = '1.0'
      /deploy
        /cache
/cust2
  /someapp
    /cache : squid
      version = '2.0'
      /deploy
        /cache
`);
      version = 19;
      assertEquals(
        await bump(),
        deploying(
          20,
          cmd("yum -y clean all"),
          cmd("yum -y install cranky-1.0"),
          cmd("yum -q list installed cranky"),
          cmd("yum -q list installed squid"),
          cmd("/opt/cranky/bin/zookeeper-deploy /cust/someapp/acrank 0"),
          "waaaaaaaaaaaa",
          "ERROR FAILURE",
          failed(
            20,
            "CommandError: Command failed: /opt/cranky/bin/zookeeper-deploy /cust/someapp/acrank 0",
          ),
        ),
      );
      assertEquals(
        await bench.print(),
        `/hosts
  version = None
  /424242424242
    error = 'Command failed: /opt/cranky/bin/zookeeper-deploy /cust/someapp/acrank 0'
    name = 'host42'
    role = 'cache'
    version = 18
`,
      );
      await bench.importTree(SQUID_TREE);
      assertEquals(
        await bump(),
        deploying(
          21,
          cmd("yum -q list installed squid"),
          SQUID_CACHES,
          cmd("yum -y remove cranky"),
          done(21),
        ),
      );
      assertEquals(
        await bench.print(),
        `/hosts
  version = 21
  /424242424242
    name = 'host42'
    role = 'cache'
    version = 21
`,
      );
    });

    await t.step("the host node goes on close; host_version remains; any version", async () => {
      await bench.close();
      // As the seed prints it: the per-application locks the agent took around each deploy
      // script stay as empty lock directories; the host node is gone.
      assertEquals(
        formatTree(await readTree(store, "/")),
        `/agent-locks
  /cust,someapp,acrank
  /cust,someapp,cache
  /cust,someapp,cms
  /cust2,someapp,cache
  /cust2,someapp,cms
  /cust2,someapp,monitor
/cust
  /someapp
    /cache : squid
      version = '2.0'
      /deploy
        /cache
/cust2
  /someapp
    /cache : squid
      version = '2.0'
      /deploy
        /cache
/hosts
  version = 21
`,
      );
      assertEquals(await Deno.readTextFile(`${root}/etc/zim/host_version`), "21");
      await bench.importTree("/hosts\n  version = 19\n");
      await bench.start();
      assertEquals(
        bench.take(),
        [
          "INFO Agent starting, cluster 19, host 21",
          ...deploying(19, cmd("yum -q list installed squid"), SQUID_CACHES, done(19)),
        ],
      );
      assertEquals(bench.agent!.version, 19);
    });

    version = 21;
    const SVN_BUILD = [
      `INFO Build pywrite (${SVN})`,
      cmd("/opt/pywrite/stage-build"),
      cmd("chmod -R a+rX ."),
    ].flat();
    const WITH_REWRITER = [
      cmd("/opt/squid/bin/zookeeper-deploy /cust/someapp/cache 0"),
      cmd("/opt/pywrite/bin/zookeeper-deploy /cust/someapp/rewriter 0"),
      cmd("/opt/squid/bin/zookeeper-deploy /cust2/someapp/cache 0"),
    ].flat();

    await t.step("version control: check out, build, update, remove", async () => {
      await bench.importTree(REWRITER(SVN, true));
      assertEquals(
        await bump(),
        deploying(
          22,
          `INFO svn co ${SVN} /opt/pywrite`,
          SVN_BUILD,
          cmd("yum -q list installed squid"),
          WITH_REWRITER,
          done(22),
        ),
      );
      assertEquals(
        await bump(),
        deploying(
          23,
          "INFO svn info /opt/pywrite",
          `INFO svn co ${SVN} /opt/pywrite`,
          SVN_BUILD,
          cmd("yum -q list installed squid"),
          WITH_REWRITER,
          done(23),
        ),
      );
      await bench.importTree(REWRITER(SVN, false));
      assertEquals(
        await bump(),
        deploying(
          24,
          cmd("/opt/pywrite/bin/zookeeper-deploy -u /cust/someapp/rewriter 0"),
          cmd("yum -q list installed squid"),
          SQUID_CACHES,
          "INFO Removing checkout pywrite",
          done(24),
        ),
      );
    });

    await t.step("version control: switching to a package removes the checkout", async () => {
      await bench.importTree(REWRITER(SVN, true));
      assertEquals(
        await bump(),
        deploying(
          25,
          `INFO svn co ${SVN} /opt/pywrite`,
          SVN_BUILD,
          cmd("yum -q list installed squid"),
          WITH_REWRITER,
          done(25),
        ),
      );
      await bench.importTree(REWRITER("3.0", true));
      assertEquals(
        await bump(),
        deploying(
          26,
          "INFO Removing checkout pywrite",
          cmd("yum -y clean all"),
          cmd("yum -y install pywrite-3.0"),
          cmd("yum -q list installed pywrite"),
          cmd("yum -q list installed squid"),
          WITH_REWRITER,
          done(26),
        ),
      );
      await bench.importTree(REWRITER(SVN, false));
      assertEquals(
        await bump(),
        deploying(
          27,
          cmd("/opt/pywrite/bin/zookeeper-deploy -u /cust/someapp/rewriter 0"),
          cmd("yum -q list installed squid"),
          SQUID_CACHES,
          cmd("yum -y remove pywrite"),
          done(27),
        ),
      );
    });

    await t.step("a stale checkout in /opt is removed", async () => {
      await Deno.mkdir(`${root}/opt/badapp/.svn`, { recursive: true });
      await Deno.mkdir(`${root}/opt/badapp/bin`, { recursive: true });
      await Deno.writeTextFile(`${root}/opt/badapp/bin/zookeeper-deploy`, "");
      assertEquals(
        await bump(),
        deploying(
          28,
          cmd("yum -q list installed squid"),
          SQUID_CACHES,
          "INFO Removing checkout badapp",
          done(28),
        ),
      );
    });

    await t.step("legacy persistent host nodes", async () => {
      await bench.close();
      await bench.importTree("/hosts\n  version = 1\n");
      await bench.start();
      assertEquals(
        bench.take(),
        [
          "INFO Agent starting, cluster 1, host 28",
          ...deploying(1, cmd("yum -q list installed squid"), SQUID_CACHES, done(1)),
        ],
      );
      assertEquals(
        await bench.print(),
        `/hosts
  version = 1
  /424242424242
    name = 'host42'
    role = 'cache'
    version = 1
`,
      );
      await bench.close();
      assertEquals(await bench.print(), "/hosts\n  version = 1\n");
      await store.create("/hosts/424242424242", JSON.stringify({ version: 1 }));
      await Deno.remove(`${root}/etc/zim/host_version`);
    });

    await t.step("don't trust yum: verify, downgrade, verify", async () => {
      await bench.importTree(`
/cust
  /someapp
    /cache : squid
      version = '666'
      /deploy
        /cache
`);
      await deleteRecursive(store, "/cust2");
      await bench.start();
      assertEquals(bench.take(), ["INFO Agent starting, cluster 1, host 1"]);
      assertEquals(
        await bump(),
        deploying(
          29,
          cmd("/opt/squid/bin/zookeeper-deploy -u /cust2/someapp/cache 0"),
          cmd("yum -q list installed squid"),
          cmd("yum -y clean all"),
          cmd("yum -y install squid-666"),
          cmd("yum -q list installed squid"),
          cmd("yum -y downgrade squid-666"),
          cmd("yum -q list installed squid"),
          failed(29, "InstallError: Failed to install squid-666 (installed: 2.0)"),
        ),
      );
      await bench.importTree(`
/cust
  /someapp
    /cache : varnish
      version = '666'
      /deploy
        /cache
`);
      assertEquals(
        await bump(),
        deploying(
          30,
          cmd("/opt/squid/bin/zookeeper-deploy -u /cust/someapp/cache 0"),
          cmd("yum -y clean all"),
          cmd("yum -y install varnish-666"),
          failed(30, "InstallError: Failed to install varnish-666 (installed: None)"),
        ),
      );
    });

    await t.step("subtypes pass -r; uninstalling everything", async () => {
      await bench.importTree(`
/cust
  /someapp
    /cache : varnish special
      version = '1'
      /deploy
        /cache
`);
      assertEquals(
        await bump(),
        deploying(
          31,
          cmd("yum -y clean all"),
          cmd("yum -y install varnish-1"),
          cmd("yum -q list installed varnish"),
          cmd("/opt/varnish/bin/zookeeper-deploy -r special /cust/someapp/cache 0"),
          cmd("yum -y remove squid"),
          done(31),
        ),
      );
      await bench.importTree("/cust\n  /someapp\n");
      assertEquals(
        await bump(),
        deploying(
          32,
          cmd("/opt/varnish/bin/zookeeper-deploy -u /cust/someapp/cache 0"),
          cmd("yum -y remove varnish"),
          done(32),
        ),
      );
    });

    await t.step("string versions; None and False deploy nothing", async () => {
      assertEquals(
        await bench.setVersion("string-version-a"),
        deploying(
          "string-version-a",
          "INFO DEBUG: got deployments",
          "INFO DEBUG: remove old deployments",
          "INFO DEBUG: update software",
          done("string-version-a"),
        ),
      );
      assertEquals(await bench.setVersion(null), []);
      assertEquals(await bench.setVersion(false), []);
    });
  } finally {
    await bench.close();
    await store.close();
    await Deno.remove(root, { recursive: true });
    await Deno.remove(storeDir, { recursive: true });
  }
});
