  function value(id) {
    var element = document.getElementById(id);
    return element ? String(element.value || '') : '';
  }

  function fieldName(field) { return String(field || '').split('.')[0]; }

  function errorElement(field) {
    var name = fieldName(field);
    return name ? document.getElementById('error-' + name) : null;
  }

  function controlFor(field) {
    var name = fieldName(field);
    if (name === 'difficulties') { return form.querySelector('input[name="difficulties"]'); }
    var control = name ? document.getElementById(name) : null;
    return control && control.type !== 'hidden' && typeof control.focus === 'function' ? control : null;
  }

  function clearFieldError(name) {
    var element = errorElement(name);
    if (element && !element.hidden) {
      element.hidden = true;
      element.textContent = '';
      if (element.parentNode && element.parentNode.classList) { element.parentNode.classList.remove('has-error'); }
    }
    var control = controlFor(name);
    if (control) { control.removeAttribute('aria-invalid'); }
  }

  function clearErrors() {
    var errors = form.querySelectorAll('.field-error');
    for (var i = 0; i < errors.length; i++) {
      errors[i].hidden = true;
      errors[i].textContent = '';
      if (errors[i].parentNode && errors[i].parentNode.classList) { errors[i].parentNode.classList.remove('has-error'); }
    }
    var invalid = form.querySelectorAll('[aria-invalid="true"]');
    for (var j = 0; j < invalid.length; j++) { invalid[j].removeAttribute('aria-invalid'); }
    formError.hidden = true;
    formError.textContent = '';
  }

  // Shows `message` beside `field` (`difficulties.2` goes to `error-difficulties`); false if the
  // page has no place for it.
  function showFieldError(field, message) {
    var element = errorElement(field);
    if (!element) { return false; }
    var text = String(message || '');
    if (element.hidden || !element.textContent) {
      element.textContent = text;
    } else if (text && element.textContent.indexOf(text) === -1) {
      element.textContent += '\n' + text;
    }
    element.hidden = false;
    if (element.parentNode && element.parentNode.classList) { element.parentNode.classList.add('has-error'); }
    var control = controlFor(field);
    if (control && control.type !== 'checkbox') { control.setAttribute('aria-invalid', 'true'); }
    return true;
  }

  function showFormError(message) {
    formError.textContent = String(message || '');
    formError.hidden = false;
    try { formError.scrollIntoView({ block: 'center' }); } catch (e) { formError.scrollIntoView(); }
  }

  // Field problems beside their fields, `summary` and any problem without a place in the general
  // area; focuses the first bad field in page order.
  function showProblems(summary, problems) {
    var general = summary ? [String(summary)] : [];
    var controls = Array.prototype.slice.call(form.querySelectorAll('input, textarea, select'));
    var first = null;
    var firstIndex = -1;
    for (var i = 0; i < problems.length; i++) {
      var problem = problems[i] || {};
      if (showFieldError(problem.field, problem.message)) {
        var control = controlFor(problem.field);
        var index = control ? controls.indexOf(control) : -1;
        if (index !== -1 && (first === null || index < firstIndex)) {
          first = control;
          firstIndex = index;
        }
      } else if (problem.message && general.indexOf(String(problem.message)) === -1) {
        general.push(String(problem.message));
      }
    }
    if (general.length) {
      formError.textContent = general.join('\n');
      formError.hidden = false;
    }
    if (first) {
      try { first.focus({ preventScroll: true }); } catch (e) { first.focus(); }
      try { first.scrollIntoView({ block: 'center' }); } catch (e) { first.scrollIntoView(); }
    } else if (general.length) {
      try { formError.scrollIntoView({ block: 'center' }); } catch (e) { formError.scrollIntoView(); }
    }
  }

  function hasChinese(text) { return /[\u3400-\u9fff]/.test(String(text || '')); }

  // The server's message when it has one meant for people (Chinese), else `fallback`.
  function serverMessage(body, fallback) {
    var message = body && body.error && body.error.message;
    return message && hasChinese(message) ? String(message) : fallback;
  }

  function setBusy(on) {
    busy = on;
    button.disabled = on;
    button.textContent = on ? BUSY_TEXT : IDLE_TEXT;
    button.setAttribute('aria-busy', on ? 'true' : 'false');
  }

  // Resolves to {status, body} (body: parsed JSON or null); rejects on network failure or after 30 s.
  function request(method, url, payload, headers) {
    if (typeof fetch !== 'function') { return Promise.reject(new Error('fetch unavailable')); }
    var controller = typeof AbortController === 'function' ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, 30000) : 0;
    var init = { method: method, headers: headers || {}, credentials: 'same-origin', cache: 'no-store' };
    if (payload !== undefined) { init.body = JSON.stringify(payload); }
    if (controller) { init.signal = controller.signal; }
    return fetch(url, init).then(function (response) {
      return response.text().then(function (text) {
        var body = null;
        try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
        return { status: response.status, body: body };
      });
    }).then(function (result) {
      clearTimeout(timer);
      return result;
    }, function (error) {
      clearTimeout(timer);
      throw error;
    });
  }

  form.addEventListener('input', function (event) {
    if (event.target && event.target.name) { clearFieldError(event.target.name); }
  });
  form.addEventListener('change', function (event) {
    if (event.target && event.target.name) { clearFieldError(event.target.name); }
  });
