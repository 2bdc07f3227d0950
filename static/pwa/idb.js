// A tiny promise wrapper over IndexedDB, and the offline app's one database per signed-in user.
"use strict";
window.Inspect = window.Inspect || {};
(function (ns) {
  const VERSION = 2;
  const STORES = {
    meta: {},                                   // key → value: the bootstrap, flags
    inspections: { keyPath: "station_id" },     // each station's inspection as the server last sent it
    outbox: { keyPath: "seq", autoIncrement: true },  // changes not yet on the server, in order
    photos: { keyPath: "id" },                  // photos taken here: hash, size, position, time (no bytes)
    // Their bytes, apart so that drawing the board never reads them. An ArrayBuffer and its type, never a
    // Blob: WebKit refuses Blobs in a database kept in memory (private browsing, some embedded web views).
    photo_files: { keyPath: "id" },
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

  // Messages of our own, already in Chinese for the inspector; any other error is the engine's.
  ns.told = function (message) { const error = new Error(message); error.told = true; return error; };

  // What the inspector reads when the phone could not keep something: what happened and what to do, in
  // Chinese, never the engine's own words ("Error preparing Blob/File data…").
  ns.storageMessage = function (error) {
    if (error && error.told) { return error.message; }
    if (error && error.name === "QuotaExceededError") {
      return "手机可用于离线保存的空间已满：请先联网同步已保存的内容，或清理手机存储后重试。";
    }
    return "浏览器拒绝了本机保存：请重试；如仍不行，请退出无痕（隐私）浏览，或改用手机自带的浏览器打开本页面，联网后再同步。";
  };

  // A Blob's bytes (Safari before 14 has no Blob.arrayBuffer()).
  ns.bytesOf = function (blob) {
    if (blob.arrayBuffer) { return blob.arrayBuffer(); }
    return new Promise(function (resolve, reject) {
      const reader = new FileReader();
      reader.onload = function () { resolve(reader.result); };
      reader.onerror = function () { reject(reader.error); };
      reader.readAsArrayBuffer(blob);
    });
  };

  // Photos an earlier version kept as Blobs inside their record get their bytes moved to photo_files, one by
  // one: the bytes and the record without its Blob are written in one transaction, so an interruption leaves
  // each photo either as it was or moved, and the next start finishes the rest.
  async function moveBlobs(database) {
    const old = (await database.all("photos")).filter(function (p) { return p.blob; });
    for (const record of old) {
      let bytes;
      try { bytes = await ns.bytesOf(record.blob); } catch (error) { continue; }  // kept as it is; sent from the Blob
      await database.tx(["photos", "photo_files"], "readwrite", async function (s) {
        const current = await s("photos").get(record.id);
        if (!current || !current.blob) { return; }
        await s("photo_files").put({ id: current.id, bytes: bytes, type: current.blob.type || "image/jpeg" });
        current.type = current.blob.type || "image/jpeg";
        delete current.blob;
        await s("photos").put(current);
      });
    }
  }

  ns.openDatabase = async function (userId) {
    const database = await new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(ns.told("此浏览器不支持离线存储（IndexedDB）")); return; }
      const request = indexedDB.open("inspect-app-user-" + userId, VERSION);
      request.onupgradeneeded = function () {
        Object.keys(STORES).forEach(function (name) {
          if (!request.result.objectStoreNames.contains(name)) { request.result.createObjectStore(name, STORES[name]); }
        });
      };
      request.onsuccess = function () {
        // A newer version of the app opened in another tab must not wait for this one to be closed.
        request.result.onversionchange = function () { request.result.close(); };
        resolve(new Database(request.result));
      };
      request.onerror = function () { reject(request.error); };
      request.onblocked = function () { reject(ns.told("离线数据库被另一个窗口占用，请关闭其他窗口后重试")); };
    });
    await moveBlobs(database);
    return database;
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
