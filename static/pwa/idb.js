// A tiny promise wrapper over IndexedDB, and the offline app's one database per signed-in user.
"use strict";
window.Inspect = window.Inspect || {};
(function (ns) {
  const STORES = {
    meta: {},                                   // key → value: the bootstrap, flags
    inspections: { keyPath: "station_id" },     // each station's inspection as the server last sent it
    outbox: { keyPath: "seq", autoIncrement: true },  // changes not yet on the server, in order
    photos: { keyPath: "id" },                  // photos taken here: the Blob, its hash and position
  };

  function done(request) {
    return new Promise(function (resolve, reject) {
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  // One store inside a transaction; every call returns a promise.
  function Store(store) { this.store = store; }
  Store.prototype.get = function (key) { return done(this.store.get(key)); };
  Store.prototype.all = function () { return done(this.store.getAll()); };
  Store.prototype.put = function (value, key) {
    return done(key === undefined ? this.store.put(value) : this.store.put(value, key));
  };
  Store.prototype.delete = function (key) { return done(this.store.delete(key)); };
  Store.prototype.clear = function () { return done(this.store.clear()); };

  function Database(db) { this.db = db; }

  // Run `work(store)` in one transaction; resolves with its result once the transaction has committed.
  // Only IndexedDB requests may be awaited inside (a fetch would let the transaction close).
  Database.prototype.tx = function (names, mode, work) {
    const db = this.db;
    return new Promise(function (resolve, reject) {
      const tx = db.transaction(names, mode);
      let result;
      tx.oncomplete = function () { resolve(result); };
      tx.onerror = function () { reject(tx.error); };
      tx.onabort = function () { reject(tx.error || new Error("transaction aborted")); };
      Promise.resolve(work(function (name) { return new Store(tx.objectStore(name)); }))
        .then(function (value) { result = value; }, function (error) { tx.abort(); reject(error); });
    });
  };
  Database.prototype.get = function (name, key) {
    return this.tx([name], "readonly", function (s) { return s(name).get(key); });
  };
  Database.prototype.all = function (name) {
    return this.tx([name], "readonly", function (s) { return s(name).all(); });
  };
  Database.prototype.put = function (name, value, key) {
    return this.tx([name], "readwrite", function (s) { return s(name).put(value, key); });
  };
  Database.prototype.delete = function (name, key) {
    return this.tx([name], "readwrite", function (s) { return s(name).delete(key); });
  };

  ns.openDatabase = function (userId) {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("此浏览器不支持离线存储（IndexedDB）")); return; }
      const request = indexedDB.open("inspect-app-user-" + userId, 1);
      request.onupgradeneeded = function () {
        Object.keys(STORES).forEach(function (name) {
          if (!request.result.objectStoreNames.contains(name)) { request.result.createObjectStore(name, STORES[name]); }
        });
      };
      request.onsuccess = function () { resolve(new Database(request.result)); };
      request.onerror = function () { reject(request.error); };
      request.onblocked = function () { reject(new Error("离线数据库被另一个窗口占用，请关闭其他窗口后重试")); };
    });
  };

  // A client-made UUID for every outbox entry (randomUUID needs a secure context; fall back to v4 by hand).
  ns.uuid = function () {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const hex = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  };
})(window.Inspect);
