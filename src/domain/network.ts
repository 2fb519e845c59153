/**
 * Addresses as the rules see them, parsed by hand (the domain imports no I/O module, node:net
 * included). Pure functions, no DNS: a name other than `localhost` is never assumed local.
 */

/** Four octets, or null. Strict dotted-quad: no shorthand (`127.1`), no leading zeros, no octal. */
function parseIPv4(text: string): number[] | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const octets: number[] = [];
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    octets.push(n);
  }
  return octets;
}

/** Eight 16-bit groups, or null. Accepts `::` compression and a dotted IPv4 tail (`::ffff:1.2.3.4`). */
function parseIPv6(text: string): number[] | null {
  if (text === "" || !/^[0-9a-fA-F:.]+$/.test(text)) return null;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groupsOf = (part: string, last: boolean): number[] | null => {
    if (part === "") return [];
    const pieces = part.split(":");
    const out: number[] = [];
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i] as string;
      if (last && i === pieces.length - 1 && piece.includes(".")) {
        const v4 = parseIPv4(piece);
        if (!v4) return null;
        out.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) {
        out.push(parseInt(piece, 16));
      } else {
        return null;
      }
    }
    return out;
  };
  if (halves.length === 1) {
    const groups = groupsOf(text, true);
    return groups && groups.length === 8 ? groups : null;
  }
  const head = groupsOf(halves[0] as string, false);
  const tail = groupsOf(halves[1] as string, true);
  if (!head || !tail || head.length + tail.length > 7) return null;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/** The IPv4 address an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) stands for, else null. */
function mappedIPv4(groups: readonly number[]): number[] | null {
  if (!groups.slice(0, 5).every((g) => g === 0) || groups[5] !== 0xffff) return null;
  const [hi, lo] = [groups[6] as number, groups[7] as number];
  return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff];
}

/** RFC 5952 text: lower-case hex, no leading zeros, the longest run (first on a tie) of 2+ zero groups as `::`. */
function formatIPv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLength < 2) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

/** `[::1]` → `::1`, `fe80::1%eth0` → `fe80::1`; whitespace trimmed. */
function bare(ip: string): string {
  let text = ip.trim();
  if (text.startsWith("[") && text.endsWith("]")) text = text.slice(1, -1);
  const zone = text.indexOf("%");
  return zone >= 0 ? text.slice(0, zone) : text;
}

/**
 * The key a per-IP limit counts under. An IPv4 address (also written IPv4-mapped) is itself;
 * an IPv6 address is its /64, since one subscriber is routinely handed a whole /64 and could
 * otherwise take a fresh address, and a fresh budget, for every attempt. Anything that does not
 * parse shares one `unknown` bucket rather than escaping the limit.
 */
export function ipRateLimitKey(ip: string): string {
  const text = bare(ip);
  const v4 = parseIPv4(text);
  if (v4) return v4.join(".");
  const v6 = parseIPv6(text);
  if (!v6) return "unknown";
  const mapped = mappedIPv4(v6);
  if (mapped) return mapped.join(".");
  return `${formatIPv6([...v6.slice(0, 4), 0, 0, 0, 0])}/64`;
}

/**
 * Whether `host` (a bind address or a Host header's name, without port) is this machine only:
 * `localhost`, 127.0.0.0/8, `::1` (any spelling) or an IPv4-mapped 127.x address.
 */
export function isLoopbackHost(host: string): boolean {
  const text = bare(host).toLowerCase();
  if (text === "localhost") return true;
  const v4 = parseIPv4(text);
  if (v4) return v4[0] === 127;
  const v6 = parseIPv6(text);
  if (!v6) return false;
  const mapped = mappedIPv4(v6);
  if (mapped) return mapped[0] === 127;
  return v6.slice(0, 7).every((g) => g === 0) && v6[7] === 1;
}
