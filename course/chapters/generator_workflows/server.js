// A Hapi server whose route handlers are generator functions, adapted by co.wrap.
// Run: node server.js PORT   (it listens on 127.0.0.1 only)
"use strict";
const Hapi = require("@hapi/hapi");
const co = require("co");

const USERS = new Map([
  [1, { id: 1, name: "Ada" }],
  [2, { id: 2, name: "Grace" }],
]);
const ORDERS = new Map([
  [1, [{ item: "book", total: 12 }, { item: "lamp", total: 30 }]],
  [2, []],
]);

// Stand-ins for database queries: each answers after a short delay.
const later = (ms, value) => new Promise((done) => setTimeout(done, ms, value));
const findUser = (id) => later(40, USERS.get(id));
const findOrders = (id) => later(40, ORDERS.get(id) ?? []);
const findOrdersBroken = () =>
  later(10).then(() => {
    throw new Error("the orders database is down");
  });

// The id in the path, or null when it is not a positive whole number.
function pathId(request) {
  const id = Number(request.params.id);
  return Number.isInteger(id) && id > 0 ? id : null;
}

const badId = (h) =>
  h.response({ error: "the user id must be a positive whole number" }).code(400);

const routes = [
  {
    method: "GET",
    path: "/",
    handler: () => ({ routes: routes.map((r) => `${r.method} ${r.path}`) }),
  },
  {
    method: "GET",
    path: "/users/{id}",
    handler: co.wrap(function* (request, h) {
      const id = pathId(request);
      if (id === null) return badId(h);
      const user = yield findUser(id);
      if (!user) return h.response({ error: `no user with id ${id}` }).code(404);
      return user;
    }),
  },
  {
    method: "GET",
    path: "/users/{id}/summary",
    handler: co.wrap(function* (request, h) {
      const id = pathId(request);
      if (id === null) return badId(h);
      const started = Date.now();
      // An object of promises: co waits for all of them at once.
      const { user, orders } = yield { user: findUser(id), orders: findOrders(id) };
      if (!user) return h.response({ error: `no user with id ${id}` }).code(404);
      const spent = orders.reduce((sum, order) => sum + order.total, 0);
      const ms = Date.now() - started;
      return { name: user.name, orders: orders.length, spent, ms };
    }),
  },
  {
    method: "GET",
    path: "/reports/orders",
    handler: co.wrap(function* () {
      // Rejects: co rejects the handler's promise, and Hapi answers 500.
      const orders = yield findOrdersBroken();
      return orders;
    }),
  },
];

async function main() {
  const port = Number(process.argv[2]);
  if (!Number.isInteger(port) || port <= 0) {
    console.error("usage: node server.js PORT");
    process.exit(2);
  }
  const server = Hapi.server({ host: "127.0.0.1", port });
  server.route(routes);
  // The client gets a generic 500; the real error goes to the server's log.
  server.events.on({ name: "request", channels: "error" }, (request, event) => {
    console.error(`${request.method.toUpperCase()} ${request.path}: ${event.error}`);
  });
  await server.start();
  console.log(`listening on ${server.info.uri}`);
}

main();
