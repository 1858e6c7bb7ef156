// 倒查跟踪: re-check one entry's inclusion proof in the browser (docs/ledger.md).
// Self-contained: SHA-256 and Ed25519 from WebCrypto, no libraries. It recomputes the tree's
// root from the entry's bytes and its proof (RFC 9162 §2.1.3.2), compares it with the root in
// the signed checkpoint, and — where the browser supports Ed25519 — checks the checkpoint's
// signature against the published log key(s).
(function () {
  "use strict";

  const zh = !document.documentElement.lang.startsWith("en");
  const t = (cn, en) => (zh ? cn : en);

  function b64(text) {
    const raw = atob(text);
    const out = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  }

  const leafHash = (entry) => sha256(concat(new Uint8Array([0]), entry));
  const nodeHash = (l, r) => sha256(concat(new Uint8Array([1]), l, r));
  const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  const hex = (a) => Array.from(a, (x) => x.toString(16).padStart(2, "0")).join("");

  // RFC 9162 §2.1.3.2, with BigInt so sizes beyond 2**53 work too.
  async function rootFromProof(index, size, leaf, proof) {
    let fn = BigInt(index);
    let sn = BigInt(size) - 1n;
    let r = leaf;
    for (const p of proof) {
      if (sn === 0n) throw new Error(t("证明过长", "proof too long"));
      if ((fn & 1n) === 1n || fn === sn) {
        r = await nodeHash(p, r);
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      } else {
        r = await nodeHash(r, p);
      }
      fn >>= 1n;
      sn >>= 1n;
    }
    if (sn !== 0n) throw new Error(t("证明过短", "proof too short"));
    return r;
  }

  // A note verifier key: name+id+base64(0x01 || 32-byte Ed25519 key).
  function parseVkey(vkey) {
    // name+id+key, where the base64 key may itself contain "+": split at the first two only.
    const first = vkey.indexOf("+");
    const second = vkey.indexOf("+", first + 1);
    if (first < 0 || second < 0) return null;
    const name = vkey.slice(0, first);
    const id = vkey.slice(first + 1, second);
    const key = vkey.slice(second + 1);
    const raw = b64(key);
    if (raw[0] !== 1 || raw.length !== 33) return null;
    return { name, id: parseInt(id, 16), key: raw.slice(1) };
  }

  async function checkSignature(note, vkeys) {
    if (!crypto.subtle || !vkeys.length) return null;
    const split = note.lastIndexOf("\n\n");
    const text = new TextEncoder().encode(note.slice(0, split + 1));
    const lines = note.slice(split + 2).split("\n").filter(Boolean);
    for (const vkey of vkeys) {
      const k = parseVkey(vkey);
      if (!k) continue;
      for (const line of lines) {
        const [name, sig] = line.replace(/^\u2014 /, "").split(" ");
        if (name !== k.name) continue;
        const raw = b64(sig);
        const id = ((raw[0] << 24) | (raw[1] << 16) | (raw[2] << 8) | raw[3]) >>> 0;
        if (id !== k.id) continue;
        let key;
        try {
          key = await crypto.subtle.importKey("raw", k.key, { name: "Ed25519" }, false, ["verify"]);
        } catch (e) {
          return null; // this browser has no Ed25519: say so, do not guess
        }
        return crypto.subtle.verify({ name: "Ed25519" }, key, raw.slice(4), text);
      }
    }
    return false;
  }

  async function run(data, out) {
    if (!window.crypto || !crypto.subtle) {
      out.textContent = t(
        "此页面不是安全连接（HTTPS 或本机），浏览器不提供 WebCrypto；请用离线方法验证。",
        "WebCrypto is unavailable on this (non-HTTPS) page; verify offline instead."
      );
      return;
    }
    const leaf = await leafHash(b64(data.entry));
    const root = await rootFromProof(data.index, data.size, leaf, data.proof.map(b64));
    const signedRoot = b64(data.checkpoint.split("\n")[2] || "");
    const messages = [];
    let ok = equal(root, b64(data.root)) && equal(root, signedRoot);
    messages.push(
      ok
        ? t("✓ 由条目与证明算出的根哈希与签名检查点一致：", "✓ the root computed from the entry and its proof matches the signed checkpoint: ") + hex(root)
        : t("✗ 算出的根哈希与检查点不符：", "✗ the computed root does not match the checkpoint: ") + hex(root)
    );
    const signature = await checkSignature(data.checkpoint, data.vkeys);
    if (signature === null) {
      messages.push(t("· 本浏览器不支持 Ed25519，检查点签名请离线验证。", "· this browser lacks Ed25519: check the checkpoint's signature offline."));
    } else {
      ok = ok && signature;
      messages.push(signature ? t("✓ 检查点签名有效。", "✓ the checkpoint's signature is valid.") : t("✗ 检查点签名无效。", "✗ the checkpoint's signature is NOT valid."));
    }
    out.textContent = messages.join(" ");
    out.className = "ledger-result " + (ok ? "ok" : "bad");
  }

  document.addEventListener("DOMContentLoaded", () => {
    const button = document.getElementById("ledger-verify-button");
    const holder = document.getElementById("ledger-verify-data");
    const out = document.getElementById("ledger-verify-result");
    if (!button || !holder || !out) return;
    button.addEventListener("click", () => {
      out.textContent = t("验证中…", "verifying…");
      run(JSON.parse(holder.textContent), out).catch((e) => {
        out.textContent = t("✗ 验证失败：", "✗ verification failed: ") + e.message;
        out.className = "ledger-result bad";
      });
    });
  });
})();
