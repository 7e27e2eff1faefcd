/**
 * Building expected agent transcripts as the seed shows them: log lines and the seed fakes'
 * echo lines, in order.
 *
 * @module
 */

/** The seed's starting tree (its test set-up). */
export const INITIAL_TREE = `
/hosts
  version = 1
/cust
  /someapp
    /cms : z4m
       version = '1.0.0'
       /deploy
          /424242424242
    /monitor : z4mmonitor
       version = '1.1.0'
       /deploy
          /424242424242
/cust2
  /someapp
    /cms : z4m
       version = '1.0.0'
       /deploy
          /424242424242
`;

/** The deployment separator line. */
export const RULE = "INFO ============================================================";

/** The transcript lines of one command: the log line and the fake's echo. */
export function cmd(line: string): string[] {
  const echo = line.includes("/bin/zookeeper-deploy") ? line.slice("/opt/".length) : line;
  return [`INFO ${line}`, echo];
}

/** A whole deployment transcript. */
export function deploying(version: string | number, ...body: (string | string[])[]): string[] {
  return [RULE, `INFO Deploying version ${version}`, ...body.flat()];
}

/** The last line of a successful deployment. */
export function done(version: string | number): string {
  return `INFO Done deploying version ${version}`;
}

/** The lines of a failed deployment: the error detail and the CRITICAL line. */
export function failed(version: string | number, error: string): string[] {
  return ["ERROR deploying", error, `CRITICAL FAILED deploying version ${version}`];
}

/** What a bump of the seed's initial tree deploys. */
export const STEADY = (v: number) =>
  deploying(
    v,
    cmd("yum -q list installed z4m"),
    cmd("yum -q list installed z4mmonitor"),
    cmd("/opt/z4m/bin/zookeeper-deploy /cust/someapp/cms 0"),
    cmd("/opt/z4mmonitor/bin/zookeeper-deploy /cust/someapp/monitor 0"),
    cmd("/opt/z4m/bin/zookeeper-deploy /cust2/someapp/cms 0"),
    done(v),
  );
