"""Validates OCSF Detection Finding lines (privmon --format ocsf) against an ocsf-schema checkout.

usage: ocsf_validate.py SCHEMA_DIR FILE.jsonl
SCHEMA_DIR: a checkout of github.com/ocsf/ocsf-schema at the pinned tag (1.8.0), e.g.
  git clone --branch 1.8.0 --depth 1 https://github.com/ocsf/ocsf-schema
Checks every line against events/findings/detection_finding.json (with finding.json, base_event.json,
the cloud and security_control profiles), the objects it uses and dictionary.json: each attribute is
defined where it appears, has the dictionary's JSON type (timestamps in epoch ms), enum values are
listed and their captions (siblings) match, required attributes are present, objects' at_least_one /
just_one constraints hold, type_uid = class_uid * 100 + activity_id, and each observable's type_id
is the one the schema gives the attribute its name points to (the enum the schema server builds). Prints each error; exit 1 if any.
"""
import json, os, sys
ROOT = sys.argv[1]
def load(p): return json.load(open(os.path.join(ROOT, p)))
DICT = load('dictionary.json')
APPLIED = ['cloud', 'security_control']
DATTR = DICT['attributes']; DTYPES = DICT['types']['attributes']
OBJ_FILES = {}
for dp, _, fs in os.walk(os.path.join(ROOT, 'objects')):
    for f in fs:
        d = json.load(open(os.path.join(dp, f))); OBJ_FILES[d['name']] = d
def merge_attrs(base, add):
    out = dict(base)
    for k, v in add.items():
        if k == '$include': continue
        out[k] = {**out.get(k, {}), **v} if isinstance(v, dict) else v
    return out
def includes(d):
    inc = d.get('attributes', {}).get('$include', [])
    if isinstance(inc, str): inc = [inc]
    attrs = {}
    for p in inc:
        d2 = load(p)
        if p.startswith('profiles/') and d2.get('name') not in APPLIED: continue
        attrs = merge_attrs(attrs, d2.get('attributes', {}))
    return attrs
def obj_attrs(name, seen=None):
    d = OBJ_FILES[name]
    attrs = {}
    if 'extends' in d: attrs = obj_attrs(d['extends'])[0]
    attrs = merge_attrs(attrs, includes(d))
    return merge_attrs(attrs, d.get('attributes', {})), d.get('constraints', {})
def class_attrs(path, profiles):
    chain = []
    d = load(path); chain.append(d)
    while 'extends' in d:
        ext = d['extends']
        cand = [os.path.join(dp, f) for dp, _, fs in os.walk(os.path.join(ROOT, 'events')) for f in fs
                if f == ext + '.json']
        d = json.load(open(cand[0])); chain.append(d)
    attrs = {}
    for d in reversed(chain):
        attrs = merge_attrs(attrs, includes(d)); attrs = merge_attrs(attrs, d.get('attributes', {}))
    for p in profiles:
        pa = load('profiles/%s.json' % p)['attributes']
        for k, v in pa.items():
            if k not in attrs: attrs[k] = v
    # drop attributes of profiles not applied
    return {k: v for k, v in attrs.items() if not (isinstance(v, dict) and v.get('profile') and v['profile'] not in profiles)}
errors = []
def base_type(t):
    while t in DTYPES and 'type' in DTYPES[t]: t = DTYPES[t]['type']
    return t
def check_value(path, val, dtype, objtype, is_array):
    if is_array:
        if not isinstance(val, list): errors.append('%s: expected array' % path); return
        for i, v in enumerate(val): check_value('%s[%d]' % (path, i), v, dtype, objtype, False)
        return
    if dtype == 'object_t' or dtype in OBJ_FILES:
        if not isinstance(val, dict): errors.append('%s: expected object' % path); return
        a, c = obj_attrs(objtype or dtype); check_obj(path, val, a, c); return
    b = base_type(dtype)
    ok = {'string_t': lambda v: isinstance(v, str), 'integer_t': lambda v: isinstance(v, int) and not isinstance(v, bool),
          'long_t': lambda v: isinstance(v, int) and not isinstance(v, bool), 'boolean_t': lambda v: isinstance(v, bool),
          'float_t': lambda v: isinstance(v, (int, float)) and not isinstance(v, bool), 'json_t': lambda v: True}.get(b)
    if ok is None: errors.append('%s: unknown type %s' % (path, dtype)); return
    if not ok(val): errors.append('%s: %r is not %s (%s)' % (path, val, dtype, b))
    if dtype == 'timestamp_t' and isinstance(val, int) and not (10**11 < val < 10**14):
        errors.append('%s: %r does not look like epoch ms' % (path, val))
def check_obj(path, val, attrs, constraints):
    for k, v in val.items():
        if k not in attrs: errors.append('%s.%s: not an attribute here' % (path, k)); continue
        if k == 'unmapped': continue
        if path.count('.') == 0 and k in ('class_uid', 'category_uid'): continue
        spec = {**DATTR.get(k, {}), **attrs[k]}
        check_value('%s.%s' % (path, k), v, spec.get('type'), spec.get('object_type'), spec.get('is_array', False))
        enum = spec.get('enum')
        if enum and not spec.get('is_array') and str(v) not in enum:
            errors.append('%s.%s: %r not in enum %s' % (path, k, v, list(enum)))
        sib = spec.get('sibling')
        if enum and sib and sib in val and str(v) in enum and str(v) != '99' and enum[str(v)].get('caption'):
            if val[sib] != enum[str(v)]['caption']:
                errors.append('%s.%s: %r is not the caption %r of %s=%r' % (path, sib, val[sib], enum[str(v)]['caption'], k, v))
    for k, spec in attrs.items():
        if isinstance(spec, dict) and spec.get('requirement') == 'required' and k not in val:
            errors.append('%s.%s: required, missing' % (path, k))
    for kind, names in constraints.items():
        if kind == 'at_least_one' and not any(n in val for n in names):
            errors.append('%s: needs at least one of %s' % (path, names))
        if kind == 'just_one' and sum(n in val for n in names) != 1:
            errors.append('%s: needs just one of %s' % (path, names))
# observable.json's type_id enum is built by the schema server from the schema's annotations:
# dictionary types and attributes, objects and object attributes with an "observable" id.
def observable_id(obj, attr):
    """The observable id of attribute `attr` of object `obj` (None for the event class)."""
    spec = {**DATTR.get(attr, {}), **((obj_attrs(obj)[0] if obj else CLS).get(attr) or {})}
    if 'observable' in spec: return spec['observable']
    t = spec.get('type')
    while t in DTYPES:
        if 'observable' in DTYPES[t]: return DTYPES[t]['observable']
        t = DTYPES[t].get('type')
    o = spec.get('object_type') or (t if t in OBJ_FILES else None)
    return OBJ_FILES[o].get('observable') if o in OBJ_FILES else None
OBSERVABLE_ENUM = dict(OBJ_FILES['observable']['attributes']['type_id']['enum'])
for v in DTYPES.values():
    if 'observable' in v: OBSERVABLE_ENUM[str(v['observable'])] = {'caption': v.get('caption')}
for d in OBJ_FILES.values():
    if 'observable' in d: OBSERVABLE_ENUM[str(d['observable'])] = {'caption': d.get('caption')}
    for a in d.get('attributes', {}).values():  # an attribute's own id: no caption of its own
        if isinstance(a, dict) and 'observable' in a: OBSERVABLE_ENUM.setdefault(str(a['observable']), {})
for a in DATTR.values():
    if isinstance(a, dict) and 'observable' in a: OBSERVABLE_ENUM.setdefault(str(a['observable']), {})
OBJ_FILES['observable']['attributes']['type_id']['enum'] = OBSERVABLE_ENUM
OBSERVABLE_IDS = {int(k) for k in OBSERVABLE_ENUM}
def check_observables(path, ev):
    for i, ob in enumerate(ev.get('observables', [])):
        where = '%s.observables[%d]' % (path, i)
        if ob.get('type_id') not in OBSERVABLE_IDS:
            errors.append('%s.type_id: %r is no observable type of the schema' % (where, ob.get('type_id'))); continue
        steps = ob.get('name', '').split('.')
        if steps[0] == 'unmapped': continue  # free-form: no schema attribute to compare
        obj, val = None, ev
        for k, step in enumerate(steps):
            attr = step.split('[')[0]
            if k == len(steps) - 1:
                want = observable_id(obj, attr)
                if want != ob['type_id']:
                    errors.append('%s: %s is observable type %r, not %r' % (where, ob['name'], want, ob['type_id']))
                break
            spec = {**DATTR.get(attr, {}), **((obj_attrs(obj)[0] if obj else CLS).get(attr) or {})}
            obj = spec.get('object_type') or spec.get('type')
CLS = class_attrs('events/findings/detection_finding.json', ['cloud', 'security_control'])
for n, line in enumerate(open(sys.argv[2]), 1):
    ev = json.loads(line)
    before = len(errors)
    check_obj('L%d' % n, ev, CLS, {})
    check_observables('L%d' % n, ev)
    if ev.get('type_uid') != ev.get('class_uid', 0) * 100 + ev.get('activity_id', -1): errors.append('L%d: type_uid' % n)
    if ev.get('class_uid') != 2004: errors.append('L%d class_uid' % n)
for e in sorted(set(errors)): print(e)
print(len(errors), 'errors')
sys.exit(1 if errors else 0)
