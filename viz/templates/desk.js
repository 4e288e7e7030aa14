// The window desk: talks to the chainkg API of this origin only (relative URLs under /v1/).
// Every text from the API is set with textContent; nothing the API says becomes markup.
(function () {
  "use strict";

  var TOKEN_KEY = "chainkg.desk.token";
  var $ = function (id) { return document.getElementById(id); };
  var state = {
    industries: [],
    answers: {},   // condition id -> option, as POSTed
    asked: [],     // [{id, question, value}] in the order answered
    rec: null,     // the last recommendation
    position: null // {industry, stage, scenario} the recommendation was made for
  };
  window.chainkgDesk = state;

  // --- small DOM helpers ---------------------------------------------------------------------
  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }
  function option(value, text) {
    var node = document.createElement("option");
    node.value = value;
    node.textContent = text;
    return node;
  }
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }
  function show(id, visible) { $(id).hidden = !visible; }

  // --- errors in plain words -----------------------------------------------------------------
  var PLAIN = {
    400: "请求格式有误，请刷新页面后重试。",
    401: "窗口令牌未填写、无效或已撤销，请核对上方的窗口令牌。",
    403: "这个令牌无权办理此操作（建档需要综合窗口的令牌）。",
    404: "所选内容在目录中不存在，请重新选择。",
    409: "与当前状态冲突，请刷新后重试。",
    413: "提交的内容过长，请精简后重试。",
    422: "填写或选择的内容不符合要求，请检查后重试。",
    429: "请求过于频繁，请稍后重试。",
    500: "服务器出错，请稍后重试或联系管理员。",
    503: "服务暂时不可用（目录或数据库未就绪），请稍后重试。"
  };
  function DeskError(message, detail) {
    this.message = message;
    this.detail = detail || "";
  }
  function showError(error) {
    var message = error instanceof DeskError ? error.message : "页面出错：" + String(error);
    $("error-message").textContent = message;
    $("error-detail").textContent = error && error.detail ? "说明：" + error.detail : "";
    show("error", true);
    $("error").scrollIntoView({ block: "nearest" });
  }
  function clearError() {
    show("error", false);
    $("error-message").textContent = "";
    $("error-detail").textContent = "";
  }

  // One request to the API. Resolves to the JSON body; rejects with a DeskError in words.
  function api(path, options) {
    return fetch(path, Object.assign({ credentials: "same-origin", cache: "no-store" }, options))
      .catch(function () {
        throw new DeskError("无法连接服务器，请检查网络后重试。");
      })
      .then(function (response) {
        var type = response.headers.get("content-type") || "";
        var body = type.indexOf("json") >= 0 ? response.json().catch(function () { return null; })
                                             : Promise.resolve(null);
        return body.then(function (data) {
          if (!response.ok) {
            var words = PLAIN[response.status] || "请求未成功（" + response.status + "）。";
            throw new DeskError(words, data && typeof data.detail === "string" ? data.detail : "");
          }
          return data;
        });
      });
  }
  function postJson(path, body, headers) {
    return api(path, {
      method: "POST",
      headers: Object.assign({ "Content-Type": "application/json", "Accept": "application/json" }, headers || {}),
      body: JSON.stringify(body)
    });
  }
  function busy(flag) {
    document.body.setAttribute("aria-busy", flag ? "true" : "false");
    $("plan").disabled = flag || !$("stage").value;
    $("answer").disabled = flag || !checkedOption();
    $("accept-defaults").disabled = flag;
    $("create").disabled = flag;
  }

  // --- the token (sessionStorage only) -------------------------------------------------------
  function readToken() {
    try { return window.sessionStorage.getItem(TOKEN_KEY) || ""; } catch (e) { return ""; }
  }
  function saveToken(value) {
    try {
      if (value) window.sessionStorage.setItem(TOKEN_KEY, value);
      else window.sessionStorage.removeItem(TOKEN_KEY);
    } catch (e) { /* storage refused: the field still holds it for this page */ }
    $("token-status").textContent = value
      ? "令牌已保存在本标签页（关闭即清除），不写入地址栏。"
      : "尚未填写令牌：生成方案不需要令牌，建档需要综合窗口的令牌。";
  }
  $("token").value = readToken();
  saveToken($("token").value.trim());
  $("token").addEventListener("input", function () { saveToken($("token").value.trim()); });
  $("token-clear").addEventListener("click", function () {
    $("token").value = "";
    saveToken("");
  });

  // --- 1. the position -----------------------------------------------------------------------
  function selectedIndustry() {
    var id = $("industry").value;
    return state.industries.filter(function (i) { return i.id === id; })[0] || null;
  }
  function fillStages() {
    var industry = selectedIndustry();
    var stages = industry ? industry.stages.slice().sort(function (a, b) { return a.order - b.order; }) : [];
    clear($("stage"));
    stages.forEach(function (s) { $("stage").appendChild(option(s.id, s.name)); });
    $("stage").disabled = stages.length === 0;
    return loadScenarios();
  }
  function loadScenarios() {
    var industry = $("industry").value, stage = $("stage").value;
    resetPlan();
    clear($("scenario"));
    $("scenario").appendChild(option("", "整个阶段（全部场景）"));
    $("scenario").disabled = true;
    if (!stage) { busy(false); return Promise.resolve(); }
    var query = new URLSearchParams({ industry: industry, stage: stage });
    busy(true);
    return api("scenarios?" + query.toString())
      .then(function (scenarios) {
        scenarios.forEach(function (s) { $("scenario").appendChild(option(s.id, s.name)); });
        $("scenario").disabled = false;
      })
      .catch(showError)
      .then(function () { busy(false); });
  }
  function loadIndustries() {
    busy(true);
    return api("industries")
      .then(function (industries) {
        state.industries = industries;
        clear($("industry"));
        industries.forEach(function (i) { $("industry").appendChild(option(i.id, i.name)); });
        $("industry").disabled = industries.length === 0;
        return fillStages();
      })
      .catch(showError)
      .then(function () {
        busy(false);
        document.body.setAttribute("data-ready", "true");
      });
  }
  $("industry").addEventListener("change", function () { clearError(); fillStages(); });
  $("stage").addEventListener("change", function () { clearError(); loadScenarios(); });
  $("scenario").addEventListener("change", function () { clearError(); resetPlan(); });
  $("position-form").addEventListener("submit", function (event) {
    event.preventDefault();
    clearError();
    state.answers = {};
    state.asked = [];
    state.position = {
      industry: $("industry").value,
      stage: $("stage").value,
      scenario: $("scenario").value || null
    };
    plan();
  });

  function resetPlan() {
    state.rec = null;
    state.position = null;
    state.answers = {};
    state.asked = [];
    ["questions-section", "plan-section", "checklist", "create-section", "created"].forEach(function (id) {
      show(id, false);
    });
  }

  // --- 2. the plan and its questions ---------------------------------------------------------
  function plan() {
    var body = Object.assign({}, state.position, { answers: state.answers });
    busy(true);
    return postJson("recommendations", body)
      .then(function (rec) {
        state.rec = rec;
        render(rec);
      })
      .catch(showError)
      .then(function () { busy(false); });
  }

  function render(rec) {
    renderQuestions(rec);
    renderPlan(rec);
    renderChecklist(rec);
    var open = rec.pending_questions.length;
    show("create-section", open === 0);
    show("created", false);
    $("create-hint").textContent = "方案已确认：" + rec.matters.length + " 个事项。填写项目与企业后建档，生成项目码与二维码。";
  }

  function checkedOption() {
    var chosen = document.querySelector("#question-options input[name=option]:checked");
    return chosen ? chosen.value : "";
  }

  function renderQuestions(rec) {
    var pending = rec.pending_questions;
    show("questions-section", pending.length > 0 || state.asked.length > 0);
    clear($("answered"));
    state.asked.forEach(function (a) {
      $("answered").appendChild(el("li", a.question + "：" + a.value));
    });
    show("reanswer", state.asked.length > 0);
    if (pending.length === 0) {
      $("question-progress").textContent = "办理情形已全部确认。";
      show("question-form", false);
      return;
    }
    var q = pending[0];
    $("question-progress").textContent =
      "请逐项向申请人确认：还有 " + pending.length + " 项待确认（已确认 " + state.asked.length + " 项）。";
    show("question-form", true);
    $("question-form").setAttribute("data-question", q.id);
    $("question-text").textContent = q.question + "（" + q.scenario.name + "）";
    var box = $("question-options");
    clear(box);
    q.options.forEach(function (o, index) {
      var label = el("label");
      var input = document.createElement("input");
      input.type = "radio";
      input.name = "option";
      input.value = o.value;
      input.id = "option-" + index;
      input.checked = q["default"] !== null && q["default"] === o.value;
      input.addEventListener("change", function () { $("answer").disabled = false; });
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + o.value));
      if (o.adds && o.adds.length) {
        var names = o.adds.map(function (a) { return (a.kind === "matter" ? "事项 " : "材料 ") + a.name; });
        label.appendChild(el("span", "（增加：" + names.join("、") + "）", "muted"));
      }
      box.appendChild(label);
    });
    $("question-default").textContent = hasDefault(q)
      ? "已预选典型情形：" + q["default"] + "（请与申请人核对）"
      : "请选择一项。";
    $("answer").disabled = !checkedOption();
    show("accept-defaults", pending.length > 1 && pending.every(hasDefault));
  }

  function hasDefault(q) { return q["default"] !== null && q["default"] !== undefined; }

  $("question-form").addEventListener("submit", function (event) {
    event.preventDefault();
    clearError();
    var value = checkedOption();
    var q = state.rec && state.rec.pending_questions[0];
    if (!q || !value) { showError(new DeskError("请先选择一项。")); return; }
    state.answers[q.id] = value;
    state.asked.push({ id: q.id, question: q.question, value: value });
    plan();
  });
  $("accept-defaults").addEventListener("click", function () {
    clearError();
    var pending = state.rec ? state.rec.pending_questions : [];
    if (!pending.every(hasDefault)) return;
    // What is on screen counts for the question shown; the typical option for the rest.
    pending.forEach(function (q, index) {
      var value = index === 0 && checkedOption() ? checkedOption() : q["default"];
      state.answers[q.id] = value;
      state.asked.push({ id: q.id, question: q.question, value: value });
    });
    plan();
  });
  $("reanswer").addEventListener("click", function () {
    clearError();
    state.answers = {};
    state.asked = [];
    plan();
  });

  function summaryItem(label, value, unit, key) {
    var div = el("div");
    div.appendChild(el("span", label, "label"));
    var b = el("b", value);
    if (key) b.setAttribute("data-" + key, "");
    div.appendChild(b);
    if (unit) div.appendChild(document.createTextNode(" " + unit));
    return div;
  }

  function departmentsOf(rec) {
    var seen = {}, out = [];
    rec.matters.forEach(function (m) {
      if (!seen[m.department.id]) { seen[m.department.id] = true; out.push(m.department.name); }
    });
    return out;
  }

  function flowchartQuery(position, answers) {
    var query = new URLSearchParams({ industry: position.industry, stage: position.stage });
    if (position.scenario) query.append("scenario", position.scenario);
    Object.keys(answers).sort().forEach(function (k) { query.append("answer", k + "=" + answers[k]); });
    return query.toString();
  }

  function renderPlan(rec) {
    show("plan-section", true);
    $("bundles").textContent = rec.bundles.length
      ? "一件事：" + rec.bundles.map(function (b) { return b.name; }).join("、")
      : "本位置没有成套的一件事，按单项事项办理。";
    var summary = $("summary");
    clear(summary);
    var e = rec.estimate, s = rec.savings, departments = departmentsOf(rec);
    summary.appendChild(summaryItem("事项", rec.matters.length, "项", "matters"));
    summary.appendChild(summaryItem("部门", departments.length, "个", "departments"));
    summary.appendChild(summaryItem("办理步骤（并联）", rec.department_path.length, "步"));
    summary.appendChild(summaryItem("审批决定（串联 " + e.serial_days + "）", e.parallel_days, "个工作日", "days"));
    summary.appendChild(summaryItem("预计历时", e.elapsed_days, "个工作日"));
    summary.appendChild(summaryItem("材料", s.materials_before + " → " + s.materials_after, "份"));
    summary.appendChild(summaryItem("跑动", s.visits_before + " → " + s.visits_after, "次"));

    var tbody = $("matters");
    clear(tbody);
    rec.matters.forEach(function (m) {
      var tr = el("tr");
      tr.setAttribute("data-matter", m.id);
      tr.appendChild(el("td", m.name));
      tr.appendChild(el("td", m.department.name));
      tr.appendChild(el("td", "第 " + m.phase + " 步"));
      tr.appendChild(el("td", m.time_limit_days ? m.time_limit_days + " 个工作日" : "即办"));
      tbody.appendChild(tr);
    });
    if (!rec.matters.length) {
      var empty = el("tr");
      var td = el("td", "这个位置目前没有需要办理的事项。");
      td.colSpan = 4;
      empty.appendChild(td);
      tbody.appendChild(empty);
    }
    $("departments").textContent = departments.join("、") || "无";

    var names = {};
    rec.matters.forEach(function (m) { names[m.id] = m.name; });
    var path = $("path");
    clear(path);
    rec.department_path.forEach(function (phase) {
      var li = el("li");
      li.appendChild(el("b", "第 " + phase.phase + " 步 · " + phase.days + " 个工作日："));
      var parts = phase.steps.map(function (step) {
        var matters = step.matters.map(function (id) { return names[id] || id; }).join("、");
        return step.kind === "joint"
          ? step.name + "（牵头 " + step.lead.name + "）：" + matters
          : step.lead.name + "：" + matters;
      });
      li.appendChild(document.createTextNode(" " + parts.join("；")));
      path.appendChild(li);
    });
    $("flowchart-link").setAttribute("href", "viz/flowchart?" + flowchartQuery(state.position, state.answers));
  }

  // --- the one-time materials checklist (一次性告知单) ----------------------------------------
  function today() {
    var d = new Date();
    return d.getFullYear() + "年" + (d.getMonth() + 1) + "月" + d.getDate() + "日";
  }

  function renderChecklist(rec) {
    show("checklist", true);
    var p = rec.position;
    var where = [p.industry.name, p.stage.name, p.scenario ? p.scenario.name : "全部场景"];
    $("checklist-position").textContent = "办理位置：" + where.join(" · ") +
      (rec.bundles.length ? "；一件事：" + rec.bundles.map(function (b) { return b.name; }).join("、") : "") +
      "；告知日期：" + today();
    var names = {};
    rec.matters.forEach(function (m) { names[m.id] = m.name; });
    var tbody = $("materials");
    clear(tbody);
    rec.materials.forEach(function (m, index) {
      var tr = el("tr");
      tr.setAttribute("data-material", m.id);
      tr.appendChild(el("td", index + 1));
      tr.appendChild(el("td", m.name));
      tr.appendChild(el("td", m.used_by.map(function (id) { return names[id] || id; }).join("、")));
      var notes = el("td");
      if (m.shared) notes.appendChild(el("span", "免提交（部门共享调取）", "tag"));
      if (m.commitment) notes.appendChild(el("span", "可告知承诺", "tag"));
      if (m.deferrable) notes.appendChild(el("span", "可容缺后补", "tag"));
      if (m.added_by && m.added_by.length) notes.appendChild(el("span", "因办理情形增加", "tag"));
      tr.appendChild(notes);
      tbody.appendChild(tr);
    });
    if (!rec.materials.length) {
      var empty = el("tr");
      var td = el("td", "无需提交材料。");
      td.colSpan = 4;
      empty.appendChild(td);
      tbody.appendChild(empty);
    }
    var submit = rec.materials.filter(function (m) { return !m.shared; }).length;
    $("checklist-foot").textContent = "共 " + rec.materials.length + " 份材料，需提交 " + submit +
      " 份（分别办理需 " + rec.savings.materials_before + " 份）。" +
      (rec.pending_questions.length ? "尚有 " + rec.pending_questions.length + " 项办理情形待确认，确认后材料可能增加。" : "");
  }

  function printPart(part) {
    document.body.setAttribute("data-print", part);
    window.print();
  }
  window.addEventListener("afterprint", function () { document.body.removeAttribute("data-print"); });
  $("print-checklist").addEventListener("click", function () { printPart("checklist"); });
  $("print-created").addEventListener("click", function () { printPart("created"); });

  // --- 4. create the project ------------------------------------------------------------------
  $("create-form").addEventListener("submit", function (event) {
    event.preventDefault();
    clearError();
    var token = $("token").value.trim();
    var name = $("project-name").value.trim(), enterprise = $("enterprise").value.trim();
    if (!token) { showError(new DeskError(PLAIN[401])); $("token").focus(); return; }
    if (!name || !enterprise) { showError(new DeskError("请填写项目名称和申请企业。")); return; }
    if (!state.position) { showError(new DeskError("请先生成办理方案。")); return; }
    var body = Object.assign({}, state.position, { name: name, enterprise: enterprise, answers: state.answers });
    busy(true);
    postJson("projects", body, { "Authorization": "Bearer " + token })
      .then(renderCreated)
      .catch(showError)
      .then(function () { busy(false); });
  });

  function renderCreated(project) {
    var base = "projects/" + encodeURIComponent(project.code) + "/";
    $("created-name").textContent = project.name;
    $("created-enterprise").textContent = project.enterprise;
    $("created-code").textContent = project.code;
    $("created-url").textContent = project.status_page;
    $("created-page").setAttribute("href", base + "page");
    $("created-flowchart").setAttribute("href", base + "flowchart");
    var img = $("created-qr");
    img.removeAttribute("data-loaded");
    img.onload = function () { img.setAttribute("data-loaded", "true"); };
    img.onerror = function () { showError(new DeskError("二维码加载失败，请刷新后在办理进度页打印。")); };
    img.setAttribute("src", base + "qr.svg");
    // Created once: the form goes away (a second click would track a second project).
    show("create-section", false);
    $("project-name").value = "";
    $("enterprise").value = "";
    show("created", true);
    $("created").scrollIntoView({ block: "nearest" });
  }

  loadIndustries();
})();
