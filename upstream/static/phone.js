/* The phone ordering page's one script (plain ES2017, no modules, no library): it follows the
   table's state by long poll (GET /v1/table/state), shows the shared cart, the rounds (已点) and
   the bill, and sends what the guest taps: cart changes, a round, a call, a payment. Every text
   that comes from the server is set as text, never as HTML. docs/phone-ordering.md */
(function () {
  "use strict";
  var doc = document, html = doc.documentElement;
  var $ = function (id) { return doc.getElementById(id); };
  var W = {
    offline: ["网络不好，正在重试", "Poor connection, retrying…"],
    retry: ["网络不好，请再点一次下单", "Poor connection: tap Place order again"],
    added: ["已加入购物车", "Added to the cart"],
    sent: ["已下单，厨房马上做", "Order placed"],
    sentPay: ["已下单，请付款后厨房开始做", "Order placed: pay to start the kitchen"],
    sending: ["正在提交…", "Sending…"],
    waiter: ["已呼叫服务员，请稍候", "A waiter is on the way"],
    bill: ["已通知服务员结账", "The staff will bring the bill"],
    choose: ["请选择", "Please choose"],
    closed: ["本桌已清台，不能再点菜。请重新扫码或找店员", "This table is closed. Scan again or ask the staff"],
    noSession: ["本桌已清台或页面已过期，请重新扫描桌上的二维码", "The table was cleared or this page expired: scan the table's code again"],
    empty: ["购物车是空的", "The cart is empty"],
    nothing: ["还没有点菜", "Nothing ordered yet"],
    device: ["厨房还没收到，门店设备恢复在线后会自动打印", "The kitchen has not received it yet; it will print when the store is back online"],
    paid: ["已付款", "Paid"],
    total: ["合计", "Total"], paidSum: ["已付", "Paid"], due: ["待付", "Due"],
    pay: ["去支付", "Pay"], wechat: ["微信支付", "WeChat Pay"], alipay: ["支付宝", "Alipay"],
    late: ["（晚到）", " (late)"],
    soldOut: ["这道菜刚刚售罄了", "This dish has just sold out"],
    tooFast: ["点得太快了，请稍等几秒再试", "Too fast: wait a few seconds and try again"],
    full: ["购物车已满，请先下单", "The cart is full: place the order first"],
    noDevice: ["门店暂时不能接单，请找店员", "The store cannot take orders right now: ask the staff"],
    tooMuch: ["超过了本店一次点餐的上限，请分几次下单或找店员", "More than the store takes at once: order in parts or ask the staff"],
    failed: ["没有成功，请再试一次或找店员", "That did not work: try again or ask the staff"]
  };
  var CODES = {  /* the error codes a guest may meet, in words (any other: the server's message) */
    empty_cart: "empty", session_closed: "closed", no_table_session: "noSession", sold_out: "soldOut",
    rate_limited: "tooFast", cart_full: "full", no_device: "noDevice", too_many_of_dish: "tooMuch",
    too_many_items: "tooMuch", amount_too_high: "tooMuch"
  };
  var PAID = {  /* a phone payment's state, in words */
    paying: ["付款中", "Paying"], paid: ["已付款", "Paid"], closed: ["已关闭", "Closed"],
    refunding: ["退款中", "Refunding"], refunded: ["已退款", "Refunded"], failed: ["未成功", "Failed"]
  };
  var STATES = {
    awaiting_payment: ["待付款", "Awaiting payment", "wait"],
    sent: ["已提交", "Sent", "wait"],
    accepted: ["已提交", "Received", "wait"],
    printed: ["已下厨", "In the kitchen", ""],
    rejected: ["被拒", "Refused", "bad"],
    cancelled: ["已取消", "Cancelled", "bad"]
  };
  var en = function () { return html.classList.contains("en"); };
  var say = function (key) { return W[key][en() ? 1 : 0]; };
  function yuan(fen) {
    var sign = fen < 0 ? "-" : "";
    fen = Math.abs(fen);
    return sign + "¥" + Math.floor(fen / 100) + "." + String(fen % 100).padStart(2, "0");
  }
  function el(tag, cls, text) {
    var node = doc.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function both(zh, english, tag) {  /* the same pair of spans the server renders */
    var box = doc.createDocumentFragment();
    box.appendChild(el(tag || "span", "zh", zh));
    box.appendChild(el(tag || "span", "en", english || zh));
    return box;
  }
  function sleep(ms) { return new Promise(function (done) { setTimeout(done, ms); }); }

  var msgBox = $("msg"), toastTimer = null;
  function message(text, bad) {
    msgBox.hidden = !text;
    msgBox.textContent = text || "";
    msgBox.className = bad ? "msg bad" : "msg";
  }
  function toast(text) {
    var old = doc.querySelector(".toast");
    if (old) old.remove();
    var node = el("div", "toast", text);
    node.setAttribute("role", "status");
    doc.body.appendChild(node);
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { node.remove(); }, 2600);
  }
  function errorText(body, status) {
    var error = body && body.error;
    if (error && CODES[error.code]) return say(CODES[error.code]);
    if (error && error.message) return String(error.message);
    return say("failed") + " (" + status + ")";
  }

  /* ---- talking to the upstream ---- */
  var asked = 0, shown = 0;  /* answers are drawn in the order their requests left */
  async function call(method, path, body, timeoutMs) {
    var number = ++asked;
    var options = {method: method, credentials: "same-origin", cache: "no-store", headers: {}};
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    var timer = null;
    if (typeof AbortController === "function") {
      var abort = new AbortController();
      options.signal = abort.signal;
      timer = setTimeout(function () { abort.abort(); }, timeoutMs || 15000);
    }
    try {
      var answer = await fetch(path, options);
      var doc_ = null;
      try { doc_ = await answer.json(); } catch (e) { doc_ = null; }
      return {ok: answer.ok, status: answer.status, body: doc_, number: number};
    } finally {
      clearTimeout(timer);
    }
  }
  async function send(method, path, body) {  /* a tap's request: a plain message on any failure */
    var answer;
    try {
      answer = await call(method, path, body);
    } catch (e) {
      message(say("offline"), true);
      return null;
    }
    if (answer.ok && answer.body && answer.body.version !== undefined) show(answer.body, answer.number);
    if (!answer.ok) toast(errorText(answer.body, answer.status));
    if (!answer.ok && answer.status === 401) stop(say("noSession"));
    return answer;
  }

  /* ---- the table's state ---- */
  var state = null, version = "", stopped = false;
  function stop(text) {
    stopped = true;
    message(text, true);
    doc.body.classList.add("closed");
    Array.prototype.forEach.call(doc.querySelectorAll(".add,#submit,#call,#bill-call"), function (b) {
      b.disabled = true;
    });
  }
  async function follow() {
    var delay = 1000;
    while (!stopped) {
      var answer = null;
      try {
        answer = await call("GET", "/v1/table/state?after=" + encodeURIComponent(version) + "&wait=25", undefined, 40000);
      } catch (e) {
        message(say("offline"), true);
        await sleep(delay);
        delay = Math.min(delay * 2, 8000);
        continue;
      }
      if (answer.ok && answer.body) {
        if (msgBox.textContent === say("offline")) message("");
        delay = 1000;
        show(answer.body, answer.number);
        continue;
      }
      if (answer.status === 401) { stop(say("noSession")); return; }
      message(errorText(answer.body, answer.status), true);
      await sleep(delay);
      delay = Math.min(delay * 2, 8000);
    }
  }

  function show(body, number) {
    if (number < shown) return;  /* an answer older than the one on the screen */
    shown = number;
    version = String(body.version);
    state = body;
    showSoldOut(body.sold_out || []);
    showCart(body.cart || {lines: [], total: 0});
    showRounds(body.rounds || [], body.bill || null, body.session || {});
    if (body.session && body.session.state === "closed") stop(say("closed"));
  }

  function showSoldOut(ids) {
    var out = {};
    ids.forEach(function (id) { out[id] = true; });
    Array.prototype.forEach.call(doc.querySelectorAll(".dish"), function (dish) {
      dish.classList.toggle("out", !!(dish.dataset.fixedOut || out[dish.dataset.id]));
    });
    if (current && current.classList.contains("out")) $("sh-add").disabled = true;
  }

  var chips = {};  /* note chip id -> [zh, en], from the page's own chips */
  Array.prototype.forEach.call(doc.querySelectorAll("#sh-chips label"), function (label) {
    var english = label.querySelector("small");
    chips[label.dataset.n] = [label.childNodes[1].textContent, english ? english.textContent : ""];
  });
  function detail(line) {  /* "大 · 少辣" from a line's options and notes (objects or chip ids) */
    var zh = [], english = [];
    (line.options || []).concat(line.notes || []).forEach(function (o) {
      if (typeof o === "string") o = {zh: (chips[o] || [o])[0], en: (chips[o] || [o, o])[1]};
      zh.push(o.zh);
      english.push(o.en || o.zh);
    });
    return [zh.join(" · "), english.join(" · ")];
  }

  function showCart(cart) {
    var list = $("cart-lines"), count = 0;
    list.textContent = "";
    cart.lines.forEach(function (line) {
      count += line.qty;
      var li = el("li", "line"), name = el("div", "nm"), words = detail(line);
      name.appendChild(both(line.name_zh || line.item_id, line.name_en, "b"));
      if (words[0]) name.appendChild(both(words[0], words[1], "small"));
      if (line.problem) name.appendChild(el("small", "bad", line.problem));
      var minus = el("button", "", "−"), plus = el("button", "", "+");
      minus.type = plus.type = "button";
      minus.setAttribute("aria-label", "-1");
      plus.setAttribute("aria-label", "+1");
      minus.onclick = function () { setQty(line.line_id, line.qty - 1); };
      plus.onclick = function () { setQty(line.line_id, line.qty + 1); };
      li.appendChild(name);
      li.appendChild(minus);
      li.appendChild(el("span", "q", String(line.qty)));
      li.appendChild(plus);
      li.appendChild(el("span", "pr", line.total === undefined ? "" : yuan(line.total)));
      list.appendChild(li);
    });
    if (!cart.lines.length) list.appendChild(el("li", "empty", say("empty")));
    $("cart-total").textContent = yuan(cart.total);
    $("bar-total").textContent = yuan(cart.total);
    $("n-cart").textContent = String(count);
    $("submit").disabled = submitting || !cart.lines.length || stopped;
  }

  function showRounds(rounds, bill, session) {
    var list = $("rounds");
    paymentCount = bill && bill.payments ? bill.payments.length : 0;  /* a new payment: ask for coupons again */
    list.textContent = "";
    $("n-rounds").textContent = rounds.length ? String(rounds.length) : "";
    rounds.forEach(function (round) {
      var li = el("li"), head = el("div", "hd"), words = STATES[round.state] || [round.state, round.state, ""];
      var title = el("span");
      title.appendChild(both("第" + round.round + "轮", "Round " + round.round));
      if (round.late) title.appendChild(both(W.late[0], W.late[1]));
      var status = el("span", "st " + words[2]);
      var no = round.ticket_no;
      status.appendChild(both(words[0] + (no ? " 取餐号 " + no : ""), words[1] + (no ? " · No. " + no : "")));
      head.appendChild(title);
      head.appendChild(status);
      li.appendChild(head);
      if (round.state === "rejected" && round.reason) li.appendChild(el("p", "note", round.reason));
      if (round.waiting_for_device) {
        var note = el("p", "note");
        note.appendChild(both(W.device[0], W.device[1]));
        li.appendChild(note);
      }
      (round.lines || []).forEach(function (line) {
        var voided = line.voided_qty || 0;
        var row = el("div", voided >= line.qty ? "it gone" : "it"), name = el("span"), extra = detail(line);
        name.appendChild(both(line.name_zh + " ×" + line.qty + (extra[0] ? "（" + extra[0] + "）" : "") +
                                (voided ? " 已退 " + voided : ""),
                              (line.name_en || line.name_zh) + " ×" + line.qty + (extra[1] ? " (" + extra[1] + ")" : "") +
                                (voided ? " · " + voided + " voided" : "")));
        row.appendChild(name);
        row.appendChild(el("span", "", yuan(line.total)));
        li.appendChild(row);
      });
      var sum = el("div", "it");
      sum.appendChild(el("span"));
      sum.appendChild(el("b", "", round.voided ? yuan(round.total - round.voided) : yuan(round.total)));
      li.appendChild(sum);
      if (round.state === "awaiting_payment") li.appendChild(payButtons("/v1/table/rounds/" + round.round + "/pay", round.total));
      list.appendChild(li);
    });
    if (!rounds.length) list.appendChild(el("li", "empty", say("nothing")));
    var billBox = $("bill"), payBox = $("pay");
    billBox.textContent = "";
    payBox.textContent = "";
    if (bill && rounds.length) {
      [["total", bill.total], ["paidSum", bill.paid], ["due", bill.due]].forEach(function (row) {
        var p = el("p"), label = el("span");
        label.appendChild(both(W[row[0]][0], W[row[0]][1]));
        p.appendChild(label);
        p.appendChild(el("b", "", yuan(row[1] || 0)));
        billBox.appendChild(p);
      });
      (bill.payments || []).forEach(function (payment) { billBox.appendChild(receipt(payment)); });
      if ((bill.payments || []).some(function (p) { return p.state === "paid"; })) {
        /* 支付即会员: the payer joins on the store's member page with this phone's payments */
        var join = el("a", "member-link"), store = location.pathname.split("/")[2];
        join.href = "/m/" + encodeURIComponent(store);
        join.appendChild(both("成为会员 · 领优惠", "Join · coupons"));
        billBox.appendChild(join);
      }
      if (bill.state === "paid") {
        var done = el("p", "st");
        done.appendChild(both(W.paid[0], W.paid[1]));
        billBox.appendChild(done);
      } else if (session.mode !== "pay_first" && bill.due > 0) {
        payBox.appendChild(payButtons("/v1/table/bill/pay", bill.due));
      }
    }
  }

  function clock(ms) {
    var at = new Date(ms);
    return String(at.getHours()).padStart(2, "0") + ":" + String(at.getMinutes()).padStart(2, "0");
  }
  function receipt(payment) {  /* one phone payment of the table, as its receipt */
    var words = PAID[payment.state] || [payment.state, payment.state];
    var how = W[payment.channel] || [payment.channel, payment.channel];
    var what = payment.round ? ["第" + payment.round + "轮", "Round " + payment.round] : ["整桌", "The table"];
    var when = payment.paid_ms ? " " + clock(payment.paid_ms) : "";
    var row = el("p", "receipt"), left = el("span"), no = payment.provider_trade_no;
    left.appendChild(both(what[0] + " · " + how[0] + " · " + words[0] + when, what[1] + " · " + how[1] + " · " + words[1] + when));
    if (no) left.appendChild(both("交易号 " + no, "Trade no. " + no, "small"));
    if (payment.coupon) {
      left.appendChild(both("优惠券抵扣 " + yuan(payment.coupon.discount), "Coupon " + yuan(payment.coupon.discount) + " off",
                            "small"));
    }
    row.appendChild(left);
    row.appendChild(el("b", "", yuan(payment.amount)));
    return row;
  }

  /* ---- paying on the phone: the upstream answers {"pay_url"}, the phone goes there ---- */
  function channels() {
    var agent = navigator.userAgent;
    if (/MicroMessenger/i.test(agent)) return ["wechat"];
    if (/AlipayClient/i.test(agent)) return ["alipay"];
    return ["wechat", "alipay"];
  }
  /* A member's coupons for an amount (GET /v1/table/coupons: the member cookie says whose), asked
     once per amount and table payment count; the guest's choice per payment path ("" = none;
     unset = the coupon that takes off the most). The server checks the coupon again. */
  var couponAnswers = {}, couponChoice = {}, paymentCount = 0;
  function couponsFor(amount, then) {
    var key = amount + ":" + paymentCount, known = couponAnswers[key];
    if (known) return known.coupons ? known : null;
    couponAnswers[key] = {};
    call("GET", "/v1/table/coupons?amount=" + amount).then(function (answer) {
      couponAnswers[key] = {coupons: answer.ok && answer.body && answer.body.coupons ? answer.body.coupons : []};
      then();
    }, function () { delete couponAnswers[key]; });
    return null;
  }
  function payButtons(path, amount) {
    var box = el("div", "pay");
    function draw() {
      box.textContent = "";
      var known = couponsFor(amount, draw);
      var usable = known ? known.coupons.filter(function (c) { return c.discount > 0; }) : [];
      usable.sort(function (a, b) { return b.discount - a.discount; });
      var wanted = couponChoice[path] === undefined && usable.length ? usable[0].coupon_id : couponChoice[path];
      var chosen = usable.filter(function (c) { return c.coupon_id === wanted; })[0] || null;
      if (usable.length) {
        var pick = el("select", "coupon");
        pick.setAttribute("aria-label", en() ? "Coupon" : "优惠券");
        var none = el("option", "", en() ? "No coupon" : "不使用优惠券");
        none.value = "";
        pick.appendChild(none);
        usable.forEach(function (c) {
          var option = el("option", "", (en() ? "Coupon: " + c.terms.en : "会员券：" + c.terms.zh) + "  -" + yuan(c.discount));
          option.value = c.coupon_id;
          pick.appendChild(option);
        });
        pick.value = chosen ? chosen.coupon_id : "";
        pick.onchange = function () { couponChoice[path] = pick.value; draw(); };
        box.appendChild(pick);
      }
      var toPay = amount - (chosen ? chosen.discount : 0);
      channels().forEach(function (channel) {
        var button = el("button", "primary");
        button.type = "button";
        button.appendChild(both(W.pay[0] + " " + yuan(toPay) + (channels().length > 1 ? " · " + W[channel][0] : ""),
                                W.pay[1] + " " + yuan(toPay) + (channels().length > 1 ? " · " + W[channel][1] : "")));
        button.onclick = async function () {
          button.disabled = true;
          var body = chosen ? {channel: channel, coupon_id: chosen.coupon_id} : {channel: channel};
          var answer = await send("POST", path, body);
          if (answer && answer.ok && answer.body && answer.body.pay_url) {
            window.location.href = answer.body.pay_url;
            return;
          }
          if (chosen) {  /* the coupon was refused (used meanwhile, ...): ask again */
            couponAnswers = {};
            delete couponChoice[path];
            draw();
          }
          button.disabled = false;
        };
        box.appendChild(button);
      });
    }
    draw();
    return box;
  }

  /* ---- the cart ---- */
  function setQty(lineId, qty) { send("POST", "/v1/table/cart", {op: "set", line_id: lineId, qty: Math.max(0, qty)}); }
  async function add(itemId, qty, options, notes) {
    var answer = await send("POST", "/v1/table/cart", {op: "add", item_id: itemId, qty: qty, options: options, notes: notes});
    if (answer && answer.ok) toast(say("added"));
    return answer && answer.ok;
  }

  /* ---- the dish sheet: the dish's option groups and note chips, the quantity ---- */
  var current = null, qty = 1;
  function visible(selector) {
    return Array.prototype.filter.call(doc.querySelectorAll(selector), function (node) { return !node.hidden; });
  }
  function mark() {  /* checked chips look checked where :has() is missing */
    Array.prototype.forEach.call(doc.querySelectorAll("#sheet label"), function (label) {
      var input = label.querySelector("input");
      label.classList.toggle("on", !!(input && input.checked));
    });
  }
  function sheetTotal() {
    var unit = Number(current.dataset.price);
    visible("#sheet .grp").forEach(function (group) {
      var picked = group.querySelector("input:checked");
      if (picked && picked.dataset.d) unit += Number(picked.dataset.d);
    });
    $("sh-qty").textContent = String(qty);
    $("sh-total").textContent = yuan(unit * qty);
    mark();
  }
  function openSheet(dish) {
    current = dish;
    qty = 1;
    var groups = dish.dataset.g ? dish.dataset.g.split(" ") : [], notes = dish.dataset.n ? dish.dataset.n.split(" ") : [];
    var name = $("sh-name");
    name.textContent = "";
    name.appendChild(dish.querySelector(".dn b").cloneNode(true));
    Array.prototype.forEach.call(doc.querySelectorAll("#sheet .grp"), function (group) {
      group.hidden = groups.indexOf(group.dataset.g) < 0;
      Array.prototype.forEach.call(group.querySelectorAll("input"), function (input) { input.checked = input.defaultChecked; });
    });
    Array.prototype.forEach.call(doc.querySelectorAll("#sh-chips label"), function (label) {
      label.hidden = notes.indexOf(label.dataset.n) < 0;
      label.querySelector("input").checked = false;
    });
    $("sh-chips").hidden = !notes.length;
    $("sh-add").disabled = dish.classList.contains("out") || stopped;
    $("sheet").hidden = false;
    sheetTotal();
  }
  function closeAll() {
    $("sheet").hidden = true;
    $("cart").hidden = true;
    $("orders").hidden = true;
    current = null;
  }
  $("sh-form").onsubmit = async function (event) {
    event.preventDefault();
    if (!current) return;
    var options = [], missing = null;
    visible("#sheet .grp").forEach(function (group) {
      var picked = group.querySelector("input:checked");
      if (picked && picked.value) options.push(picked.value);
      else if (group.dataset.required && !missing) missing = group.querySelector("legend").firstChild.textContent;
    });
    if (missing) { toast(say("choose") + " " + missing); return; }
    var notes = visible("#sh-chips label").filter(function (l) { return l.querySelector("input").checked; })
      .map(function (l) { return l.dataset.n; });
    $("sh-add").disabled = true;
    var ok = await add(current.dataset.id, qty, options, notes);
    $("sh-add").disabled = false;
    if (ok) closeAll();
  };
  $("sheet").onchange = sheetTotal;
  $("sh-minus").onclick = function () { qty = Math.max(1, qty - 1); sheetTotal(); };
  $("sh-plus").onclick = function () { qty = Math.min(99, qty + 1); sheetTotal(); };
  $("sh-close").onclick = closeAll;
  $("menu").onclick = function (event) {
    var button = event.target.closest("button"), dish = event.target.closest(".dish");
    if (!button || !dish || dish.classList.contains("out") || stopped) return;
    if (button.classList.contains("plus")) add(dish.dataset.id, 1, [], []);
    else openSheet(dish);
  };

  /* ---- a round: one client token per press, reused when the network failed ---- */
  var submitting = false, token = null;
  function newToken() {
    var bytes = new Uint8Array(16), out = "";
    if (window.crypto && window.crypto.getRandomValues) window.crypto.getRandomValues(bytes);
    else for (var i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
    bytes.forEach(function (b) { out += (b + 256).toString(16).slice(1); });
    return "ph-" + out;
  }
  $("submit").onclick = async function () {
    if (submitting || stopped) return;
    submitting = true;
    var button = $("submit");
    button.disabled = true;
    token = token || newToken();
    toast(say("sending"));
    for (var attempt = 0; attempt < 4; attempt++) {
      var answer = null;
      try {
        answer = await call("POST", "/v1/table/rounds", {client_token: token});
      } catch (e) {
        message(say("offline"), true);
        await sleep(1500 * (attempt + 1));
        continue;
      }
      if (answer.status >= 500) { await sleep(1500 * (attempt + 1)); continue; }
      token = null;  /* a definite answer: the next press is a new round */
      submitting = false;
      if (answer.ok) {
        if (msgBox.textContent === say("offline")) message("");
        show(answer.body, answer.number);
        closeAll();
        $("orders").hidden = false;
        toast(say(state && state.session && state.session.mode === "pay_first" ? "sentPay" : "sent"));
      } else {
        toast(errorText(answer.body, answer.status));
        if (answer.status === 401) stop(say("noSession"));
      }
      button.disabled = stopped || !(state && state.cart && state.cart.lines.length);
      return;
    }
    submitting = false;  /* the token is kept: the next press retries the same round */
    button.disabled = false;
    message(say("retry"), true);
  };

  /* ---- calls, panels, language ---- */
  function caller(id, kind, words) {
    $(id).onclick = async function () {
      var button = $(id);
      button.disabled = true;
      var answer = await send("POST", "/v1/table/calls", {kind: kind});
      if (answer && answer.ok) toast(say(words));
      setTimeout(function () { button.disabled = stopped; }, answer && answer.ok ? 10000 : 0);
    };
  }
  caller("call", "waiter", "waiter");
  caller("bill-call", "bill", "bill");
  $("show-cart").onclick = function () { closeAll(); $("cart").hidden = false; };
  $("show-orders").onclick = function () { closeAll(); $("orders").hidden = false; };
  Array.prototype.forEach.call(doc.querySelectorAll("[data-close]"), function (b) { b.onclick = closeAll; });
  Array.prototype.forEach.call(doc.querySelectorAll(".sheet,.panel"), function (layer) {
    layer.addEventListener("click", function (event) { if (event.target === layer) closeAll(); });
  });
  function setLang(english) {
    html.classList.toggle("en", english);
    html.lang = english ? "en" : "zh-CN";
    $("lang").textContent = english ? "中文" : "EN";
    try { localStorage.setItem("matou-lang", english ? "en" : "zh"); } catch (e) { /* private mode */ }
  }
  $("lang").onclick = function () { setLang(!en()); };
  try { if (localStorage.getItem("matou-lang") === "en") setLang(true); } catch (e) { /* private mode */ }

  follow();
})();
