// Seeds and loads a server of seed 001's API (Marquee or the NestJS peer)
// for scripts/bench-vs-peer.sh. Only loopback URLs; bounded counts.
//
//   node seed.mjs setup URL KIND DIR BUYERS   organizer, BUYERS buyers, three events
//   node seed.mjs holds URL DIR COUNT          COUNT 1-seat holds on the busy event's tier
//   node seed.mjs locks URL DIR COUNT          COUNT holds on the order event -> DIR/locks.txt
//
// KIND is `marquee` (its order event is paid at the door, so an order from a
// lock is confirmed at once, as the peer's always is) or `peer`.
import { readFileSync, writeFileSync } from "node:fs";

const [cmd, base, ...rest] = process.argv.slice(2);
if (!/^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/.test(base ?? "")) {
  throw new Error(`a loopback base URL is required, got ${base}`);
}
const CONCURRENCY = 50;

async function call(method, path, body, token) {
  const res = await fetch(base + path, {
    method,
    headers: {
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

async function register(email, role) {
  const r = await call("POST", "/api/auth/register", {
    username: email,
    password: "correct horse battery 42",
    role,
  });
  return r.access_token;
}

// Runs `count` calls of `one(i)` with CONCURRENCY in flight.
async function pool(count, one) {
  let next = 0;
  const out = new Array(count);
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, count) }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await one(i);
      }
    }),
  );
  return out;
}

function eventBody(name, kind, door) {
  return {
    eventName: name,
    eventCategory: "Music",
    description: "benchmark",
    eventDate: new Date(Date.now() + 30 * 864e5).toISOString(),
    location: "Hall A",
    ...(door && kind === "marquee" ? { paymentMethod: "door" } : {}),
    ticketCategories: [
      { categoryName: "General", price: 25, totalSeats: 1000000, description: "standing" },
      { categoryName: "VIP", price: 150, totalSeats: 100, description: "front" },
    ],
  };
}

const reserveBody = (ids, which) => ({
  eventId: ids[`${which}Event`],
  categoryId: ids[`${which}Tier`],
  quantity: 1,
});

if (cmd === "setup") {
  const [kind, dir, buyers] = rest;
  const stamp = Date.now();
  const organizer = await register(`organizer-${stamp}@bench.example`, "organizer");
  const tokens = await pool(Number(buyers), (i) =>
    register(`buyer-${stamp}-${i}@bench.example`, "attendee"),
  );
  const hot = await call("POST", "/api/events", eventBody("Hot Night", kind, false), organizer);
  const door = await call("POST", "/api/events", eventBody("Door Night", kind, true), organizer);
  // The busy event is the hot one with BENCH_ACTIVE_HOLDS holds made first.
  const busy = await call("POST", "/api/events", eventBody("Busy Night", kind, false), organizer);
  const ids = {
    hotEvent: hot.idEvent,
    hotTier: hot.ticketCategories[0].id,
    busyEvent: busy.idEvent,
    busyTier: busy.ticketCategories[0].id,
    orderEvent: door.idEvent,
    orderTier: door.ticketCategories[0].id,
  };
  writeFileSync(`${dir}/tokens.txt`, tokens.join("\n") + "\n");
  writeFileSync(`${dir}/ids.json`, JSON.stringify(ids));
  writeFileSync(`${dir}/reserve.json`, JSON.stringify(reserveBody(ids, "hot")));
  writeFileSync(`${dir}/reserve-busy.json`, JSON.stringify(reserveBody(ids, "busy")));
  writeFileSync(
    `${dir}/order.json`,
    JSON.stringify({ eventId: ids.orderEvent, categoryId: ids.orderTier, lockId: "LOCK_ID" }),
  );
  console.log(JSON.stringify(ids));
} else if (cmd === "holds" || cmd === "locks") {
  const [dir, count] = rest;
  const ids = JSON.parse(readFileSync(`${dir}/ids.json`, "utf8"));
  const tokens = readFileSync(`${dir}/tokens.txt`, "utf8").trim().split("\n");
  const body = reserveBody(ids, cmd === "holds" ? "busy" : "order");
  const made = await pool(Number(count), async (i) => {
    const token = tokens[i % tokens.length];
    const r = await call("POST", "/api/events/tickets/reserve", body, token);
    return `${token} ${r.lockId}`;
  });
  if (cmd === "locks") writeFileSync(`${dir}/locks.txt`, made.join("\n") + "\n");
  console.log(made.length);
} else {
  throw new Error(`unknown command ${cmd}`);
}
