package cib

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"
)

// ParseFile reads and parses a CIB file.
func ParseFile(path string) (*CIB, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read CIB: %w", err)
	}
	return Parse(data)
}

// Parse parses a CIB document. Structural problems (malformed XML, invalid
// scores, unknown roles, missing ids) are returned as Errors naming the
// element and its line; the CIB returned alongside is nil.
func Parse(data []byte) (*CIB, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		return nil, fmt.Errorf("CIB is not well-formed XML: %w", err)
	}
	root := doc.Root()
	if root == nil {
		return nil, fmt.Errorf("CIB is empty: want a <cib> root element")
	}
	src := &source{raw: data, root: root}
	if root.Tag != "cib" {
		return nil, Errors{src.errorf(root, "root element must be <cib>")}
	}
	if n := len(doc.ChildElements()); n > 1 {
		return nil, Errors{src.errorf(doc.ChildElements()[1], "a CIB has one root element; this document has %d", n)}
	}
	p := &parser{src: src, sets: map[string]*NVSet{}, rsets: map[string]*ResourceSet{}}
	c := p.cib(root)
	c.Warnings = p.warns
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return c, nil
}

type parser struct {
	src   *source
	errs  Errors
	warns Errors
	sets  map[string]*NVSet // by id, for id-ref
	rsets map[string]*ResourceSet
}

func (p *parser) warn(el *etree.Element, format string, args ...any) {
	p.warns = append(p.warns, p.src.errorf(el, format, args...))
}

func (p *parser) fail(el *etree.Element, format string, args ...any) {
	p.errs = append(p.errs, p.src.errorf(el, format, args...))
}

func (p *parser) cib(root *etree.Element) *CIB {
	c := &CIB{doc: p.src}
	c.ValidateWith = root.SelectAttrValue("validate-with", "")
	q := root.SelectAttrValue("have-quorum", "true")
	c.HaveQuorum, _ = ParseBool(q)
	c.DCUUID = root.SelectAttrValue("dc-uuid", "")
	for _, a := range []string{"admin_epoch", "epoch", "num_updates"} {
		if v := root.SelectAttrValue(a, ""); v != "" {
			if n, err := strconv.ParseInt(v, 10, 64); err != nil || n < 0 || n > MaxVersion {
				p.fail(root, "%s %q must be an integer from 0 to %d: the newest copy of the CIB wins by these counters, and they must never wrap", a, v, int64(MaxVersion))
			}
		}
	}
	c.LastWritten = root.SelectAttrValue("cib-last-written", "")
	c.UpdateOrigin = root.SelectAttrValue("update-origin", "")
	c.UpdateClient = root.SelectAttrValue("update-client", "")
	c.UpdateUser = root.SelectAttrValue("update-user", "")
	if d := root.SelectAttrValue("execution-date", ""); d != "" {
		if secs, err := strconv.ParseInt(d, 10, 64); err == nil {
			c.ExecutionDate = time.Unix(secs, 0).UTC()
		} else {
			p.fail(root, "execution-date %q is not seconds since the epoch", d)
		}
	}
	conf := root.SelectElement("configuration")
	if conf == nil {
		p.fail(root, "missing <configuration>")
		return c
	}
	if cc := conf.SelectElement("crm_config"); cc != nil {
		for _, s := range cc.SelectElements("cluster_property_set") {
			c.CrmConfig = append(c.CrmConfig, p.nvset(s))
		}
	}
	if ns := conf.SelectElement("nodes"); ns != nil {
		for _, n := range ns.SelectElements("node") {
			node := &Node{ID: p.id(n), Uname: n.SelectAttrValue("uname", ""), Type: n.SelectAttrValue("type", "member"), Line: 0}
			if node.Uname == "" {
				node.Uname = node.ID
			}
			for _, s := range n.SelectElements("instance_attributes") {
				node.Attrs = append(node.Attrs, p.nvset(s))
			}
			for _, s := range n.SelectElements("utilization") {
				node.Utilization = append(node.Utilization, p.nvset(s))
			}
			c.Nodes = append(c.Nodes, node)
		}
	}
	c.Templates = map[string]*Resource{}
	c.Tags = map[string][]string{}
	if rs := conf.SelectElement("resources"); rs != nil {
		// Templates first: a primitive may name one defined after it.
		for _, r := range rs.SelectElements("template") {
			if t := p.template(r); t != nil {
				if _, dup := c.Templates[t.ID]; dup {
					p.fail(r, "template id %q is used twice", t.ID)
				}
				c.Templates[t.ID] = t
			}
		}
		for _, r := range rs.ChildElements() {
			if r.Tag == "template" {
				continue
			}
			if res := p.resource(r, nil); res != nil {
				c.Resources = append(c.Resources, res)
			}
		}
		for _, r := range c.Resources {
			r.Walk(func(x *Resource) { p.applyTemplate(c, x) })
		}
	}
	if tags := conf.SelectElement("tags"); tags != nil {
		for _, t := range tags.SelectElements("tag") {
			id := p.id(t)
			refs := []string{}
			for _, ref := range t.SelectElements("obj_ref") {
				if r := ref.SelectAttrValue("id", ""); r != "" {
					refs = append(refs, r)
				} else {
					p.fail(ref, "obj_ref has no id")
				}
			}
			if len(refs) == 0 {
				p.fail(t, "tag names no objects: want at least one <obj_ref id=...>")
			}
			c.Tags[id] = refs
		}
	}
	for _, tag := range []string{"rsc_defaults", "op_defaults"} {
		d := conf.SelectElement(tag)
		if d == nil {
			continue
		}
		for _, s := range d.SelectElements("meta_attributes") {
			if tag == "rsc_defaults" {
				c.RscDefaults = append(c.RscDefaults, p.nvset(s))
			} else {
				c.OpDefaults = append(c.OpDefaults, p.nvset(s))
			}
		}
	}
	if cons := conf.SelectElement("constraints"); cons != nil {
		for _, e := range cons.ChildElements() {
			p.constraint(c, e)
		}
	}
	if st := root.SelectElement("status"); st != nil {
		for _, ns := range st.SelectElements("node_state") {
			c.Status = append(c.Status, p.nodeState(ns))
		}
	}
	return c
}

func (p *parser) id(el *etree.Element) string {
	id := el.SelectAttrValue("id", "")
	if id == "" {
		p.fail(el, "missing id attribute")
	}
	return id
}

func (p *parser) nvset(el *etree.Element) NVSet {
	if ref := el.SelectAttrValue("id-ref", ""); ref != "" {
		if s, ok := p.sets[ref]; ok {
			return *s
		}
		p.fail(el, "id-ref %q names no earlier attribute set", ref)
		return NVSet{ID: ref}
	}
	s := NVSet{ID: el.SelectAttrValue("id", "")}
	if sc := el.SelectAttrValue("score", ""); sc != "" {
		v, err := ParseScore(sc)
		if err != nil {
			p.fail(el, "%v", err)
		}
		s.Score = v
	}
	if r := el.SelectElement("rule"); r != nil {
		s.Rule = p.rule(r)
	}
	pairs := el.SelectElements("nvpair")
	// Pre-1.0 CIBs wrap the pairs in <attributes>.
	for _, a := range el.SelectElements("attributes") {
		pairs = append(pairs, a.SelectElements("nvpair")...)
	}
	for _, nv := range pairs {
		if ref := nv.SelectAttrValue("id-ref", ""); ref != "" && nv.SelectAttr("name") == nil {
			continue
		}
		name := nv.SelectAttrValue("name", "")
		if name == "" {
			p.fail(nv, "nvpair has no name")
			continue
		}
		s.Pairs = append(s.Pairs, NVPair{ID: nv.SelectAttrValue("id", ""), Name: name, Value: nv.SelectAttrValue("value", "")})
	}
	if s.ID != "" {
		cp := s
		p.sets[s.ID] = &cp
	}
	return s
}

func (p *parser) resource(el *etree.Element, parent *Resource) *Resource {
	r := &Resource{Tag: el.Tag, Parent: parent, el: el}
	switch el.Tag {
	case "primitive":
		r.Kind = Primitive
		r.Class = el.SelectAttrValue("class", "")
		r.Provider = el.SelectAttrValue("provider", "")
		r.Type = el.SelectAttrValue("type", "")
		r.Template = el.SelectAttrValue("template", "")
		if r.Template == "" {
			p.checkAgent(el, r)
		}
	case "group":
		r.Kind = Group
	case "clone", "master", "master_slave":
		r.Kind = Clone
	case "bundle":
		p.fail(el, "<%s> is not supported by Baton's scheduler", el.Tag)
		return nil
	default:
		p.fail(el, "unknown resource element <%s>", el.Tag)
		return nil
	}
	r.ID = p.id(el)
	for _, c := range el.ChildElements() {
		if p.definitionChild(r, c) {
			continue
		}
		switch c.Tag {
		case "primitive", "group", "clone", "master", "master_slave":
			if r.Kind == Primitive || (r.Kind == Group && c.Tag != "primitive") {
				p.fail(c, "<%s> cannot contain <%s>", el.Tag, c.Tag)
				continue
			}
			if ch := p.resource(c, r); ch != nil {
				r.Children = append(r.Children, ch)
			}
		case "description":
		}
	}
	if r.Kind == Clone && len(r.Children) != 1 {
		p.fail(el, "a clone must contain exactly one primitive or group, found %d", len(r.Children))
	}
	if r.Kind == Group && len(r.Children) == 0 {
		p.fail(el, "a group must contain at least one primitive")
	}
	return r
}

func (p *parser) checkAgent(el *etree.Element, r *Resource) {
	if r.Class == "" || r.Type == "" {
		p.fail(el, "<%s> needs class and type attributes (or template=)", el.Tag)
	}
	if r.Class == "ocf" && r.Provider == "" {
		p.fail(el, "ocf <%s> needs a provider attribute", el.Tag)
	}
}

// template parses a <template>: a primitive definition that is not a
// resource itself.
func (p *parser) template(el *etree.Element) *Resource {
	t := &Resource{Tag: el.Tag, Kind: Primitive, el: el, ID: p.id(el),
		Class: el.SelectAttrValue("class", ""), Provider: el.SelectAttrValue("provider", ""), Type: el.SelectAttrValue("type", "")}
	p.checkAgent(el, t)
	for _, c := range el.ChildElements() {
		p.definitionChild(t, c)
	}
	return t
}

// definitionChild reads one child element that primitives and templates
// share (attribute sets, utilization, operations); it reports whether c
// was one.
func (p *parser) definitionChild(r *Resource, c *etree.Element) bool {
	switch c.Tag {
	case "meta_attributes":
		r.Meta = append(r.Meta, p.nvset(c))
	case "instance_attributes":
		r.Instance = append(r.Instance, p.nvset(c))
	case "utilization":
		r.Utilization = append(r.Utilization, p.nvset(c))
	case "operations":
		for _, op := range c.SelectElements("op") {
			r.Ops = append(r.Ops, p.op(op))
		}
	default:
		return false
	}
	return true
}

// applyTemplate completes a primitive derived from a template: the
// template supplies the agent, and attributes and operations the
// primitive does not set itself.
func (p *parser) applyTemplate(c *CIB, r *Resource) {
	if r.Template == "" {
		return
	}
	t := c.Templates[r.Template]
	if t == nil {
		p.fail(r.el, "template %q is not defined: want a <template id=%q> in <resources>", r.Template, r.Template)
		return
	}
	if r.Class == "" {
		r.Class, r.Provider, r.Type = t.Class, t.Provider, t.Type
	}
	// Sets earlier in the list win: the primitive's own first.
	r.Meta = append(r.Meta, t.Meta...)
	r.Instance = append(r.Instance, t.Instance...)
	r.Utilization = append(r.Utilization, t.Utilization...)
	for _, op := range t.Ops {
		overridden := false
		for _, own := range r.Ops {
			if own.Name == op.Name && own.Interval == op.Interval {
				overridden = true
			}
		}
		if !overridden {
			r.Ops = append(r.Ops, op)
		}
	}
}

func (p *parser) op(el *etree.Element) Op {
	o := Op{ID: el.SelectAttrValue("id", ""), Name: el.SelectAttrValue("name", ""), OnFail: el.SelectAttrValue("on-fail", ""), Enabled: true}
	if o.Name == "" {
		p.fail(el, "op has no name")
	}
	iv, err := ParseInterval(el.SelectAttrValue("interval", "0"))
	if err != nil {
		p.fail(el, "%v", err)
	}
	o.Interval = iv
	role, ok := NormalizeRole(el.SelectAttrValue("role", ""))
	if !ok {
		p.fail(el, "unknown role %q: want Started, Stopped, Unpromoted or Promoted", el.SelectAttrValue("role", ""))
	}
	o.Role = role
	if en := el.SelectAttrValue("enabled", ""); en != "" {
		o.Enabled, _ = ParseBool(en)
	}
	for _, m := range el.SelectElements("meta_attributes") {
		o.Meta = append(o.Meta, p.nvset(m))
	}
	return o
}

// ParseInterval reads an interval such as "10s", "10000ms", "1m", an ISO 8601
// duration ("PT10S", "P1DT2H")
// or a bare number of seconds.
func ParseInterval(s string) (time.Duration, error) {
	t := strings.TrimSpace(strings.ToLower(s))
	if t == "" {
		return 0, nil
	}
	if strings.HasPrefix(t, "p") {
		d, err := ParseISODuration(t)
		if err != nil {
			return 0, fmt.Errorf("invalid interval %q: %w", s, err)
		}
		return d, nil
	}
	units := []struct {
		suf string
		d   time.Duration
	}{{"msec", time.Millisecond}, {"ms", time.Millisecond}, {"us", time.Microsecond}, {"sec", time.Second}, {"s", time.Second}, {"min", time.Minute}, {"m", time.Minute}, {"hr", time.Hour}, {"h", time.Hour}}
	mult := time.Second
	for _, u := range units {
		if strings.HasSuffix(t, u.suf) {
			t = strings.TrimSuffix(t, u.suf)
			mult = u.d
			break
		}
	}
	v, err := strconv.ParseInt(strings.TrimSpace(t), 10, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("invalid interval %q: want e.g. 10s, 500ms, 1m", s)
	}
	return time.Duration(v) * mult, nil
}

func (p *parser) roleAttr(el *etree.Element, name string) string {
	v := el.SelectAttrValue(name, "")
	r, ok := NormalizeRole(v)
	if !ok {
		p.fail(el, "unknown %s %q: want Started, Stopped, Unpromoted or Promoted", name, v)
	}
	return r
}

func (p *parser) score(el *etree.Element, name string) (int, bool) {
	a := el.SelectAttr(name)
	if a == nil {
		return 0, false
	}
	v, err := ParseScore(a.Value)
	if err != nil {
		p.fail(el, "%s: %v", name, err)
		return 0, false
	}
	return v, true
}

func (p *parser) constraint(c *CIB, el *etree.Element) {
	switch el.Tag {
	case "rsc_location":
		l := &Location{ID: p.id(el), Rsc: el.SelectAttrValue("rsc", ""), RscPattern: el.SelectAttrValue("rsc-pattern", ""),
			Node: el.SelectAttrValue("node", ""), Role: p.roleAttr(el, "role"), DiscoverMode: el.SelectAttrValue("resource-discovery", ""), el: el}
		l.Score, l.HasScore = p.score(el, "score")
		for _, r := range el.SelectElements("rule") {
			l.Rules = append(l.Rules, p.rule(r))
		}
		l.Sets = p.resourceSets(el, "")
		if l.Rsc == "" && l.RscPattern == "" && len(l.Sets) == 0 {
			p.fail(el, "rsc_location needs rsc, rsc-pattern or a resource_set")
		}
		if len(l.Rules) == 0 && (l.Node == "" || el.SelectAttr("score") == nil) {
			p.fail(el, "rsc_location needs node and score, or a rule")
		}
		c.Locations = append(c.Locations, l)
	case "rsc_colocation":
		co := &Colocation{ID: p.id(el), Rsc: el.SelectAttrValue("rsc", ""), WithRsc: el.SelectAttrValue("with-rsc", ""),
			RscRole: p.roleAttr(el, "rsc-role"), WithRscRole: p.roleAttr(el, "with-rsc-role"), NodeAttr: el.SelectAttrValue("node-attribute", ""), el: el}
		var ok bool
		co.Score, ok = p.score(el, "score")
		co.Sets = p.resourceSets(el, "")
		if !ok && el.SelectAttr("score") == nil {
			p.fail(el, "rsc_colocation needs a score")
		}
		if len(co.Sets) == 0 && (co.Rsc == "" || co.WithRsc == "") {
			p.fail(el, "rsc_colocation needs rsc and with-rsc, or resource_set elements")
		}
		c.Colocations = append(c.Colocations, co)
	case "rsc_order":
		o := &Order{ID: p.id(el), First: el.SelectAttrValue("first", ""), Then: el.SelectAttrValue("then", ""),
			FirstAction: el.SelectAttrValue("first-action", "start"), ThenAction: el.SelectAttrValue("then-action", ""),
			Kind: el.SelectAttrValue("kind", ""), el: el}
		if o.ThenAction == "" {
			o.ThenAction = o.FirstAction
		}
		o.Score, o.HasScore = p.score(el, "score")
		if o.Kind == "" {
			o.Kind = "Mandatory"
			if o.HasScore && o.Score == 0 {
				o.Kind = "Optional"
			}
		}
		switch strings.ToLower(o.Kind) {
		case "mandatory":
			o.Kind = "Mandatory"
		case "optional":
			o.Kind = "Optional"
		case "serialize":
			o.Kind = "Serialize"
		default:
			// Pacemaker treats an unknown kind as Mandatory; say so.
			p.warn(el, "unknown kind %q treated as Mandatory: want Mandatory, Optional or Serialize", o.Kind)
			o.Kind = "Mandatory"
		}
		o.Symmetrical = o.Kind != "Serialize"
		if s := el.SelectAttrValue("symmetrical", ""); s != "" {
			v, ok := ParseBool(s)
			if !ok {
				p.fail(el, "symmetrical %q is not a boolean", s)
			}
			o.Symmetrical = v
		}
		for _, a := range []string{o.FirstAction, o.ThenAction} {
			switch a {
			case "start", "stop", "promote", "demote":
			default:
				p.fail(el, "unknown action %q: want start, stop, promote or demote", a)
			}
		}
		o.RequireAll = true
		if v := el.SelectAttrValue("require-all", ""); v != "" {
			b, ok := ParseBool(v)
			if !ok {
				p.fail(el, "require-all %q is not a boolean", v)
			}
			o.RequireAll = b
		}
		o.Sets = p.resourceSets(el, "start")
		if len(o.Sets) == 0 && (o.First == "" || o.Then == "") {
			p.fail(el, "rsc_order needs first and then, or resource_set elements")
		}
		c.Orders = append(c.Orders, o)
	case "rsc_ticket":
		p.fail(el, "tickets are not supported")
	}
}

// resourceSets parses a constraint's resource_set children. dfltAction is
// the action of members of an order's sets that name none ("" for other
// constraints, where action is not allowed).
func (p *parser) resourceSets(el *etree.Element, dfltAction string) []*ResourceSet {
	var out []*ResourceSet
	for _, se := range el.SelectElements("resource_set") {
		if ref := se.SelectAttrValue("id-ref", ""); ref != "" {
			if rs, ok := p.rsets[ref]; ok {
				out = append(out, rs)
			} else {
				p.fail(se, "id-ref %q names no earlier resource_set", ref)
			}
			continue
		}
		rs := &ResourceSet{ID: p.id(se), Sequential: true, RequireAll: true, Role: p.roleAttr(se, "role"),
			Action: se.SelectAttrValue("action", ""), Kind: se.SelectAttrValue("kind", ""), Ordering: se.SelectAttrValue("ordering", ""), el: se}
		for _, b := range []struct {
			name string
			v    *bool
		}{{"sequential", &rs.Sequential}, {"require-all", &rs.RequireAll}} {
			if v := se.SelectAttrValue(b.name, ""); v != "" {
				bv, ok := ParseBool(v)
				if !ok {
					p.fail(se, "%s %q is not a boolean", b.name, v)
				}
				*b.v = bv
			}
		}
		rs.SequentialSet = rs.Sequential && se.SelectAttr("sequential") != nil
		rs.Score, rs.HasScore = p.score(se, "score")
		if rs.Action != "" {
			switch rs.Action {
			case "start", "stop", "promote", "demote":
			default:
				p.fail(se, "unknown action %q: want start, stop, promote or demote", rs.Action)
			}
		} else {
			rs.Action = dfltAction
		}
		for _, ref := range se.SelectElements("resource_ref") {
			id := ref.SelectAttrValue("id", "")
			if id == "" {
				p.fail(ref, "resource_ref has no id")
				continue
			}
			rs.Resources = append(rs.Resources, id)
		}
		if len(rs.Resources) == 0 {
			p.fail(se, "resource_set names no resources: want <resource_ref id=...> children")
		}
		if rs.ID != "" {
			p.rsets[rs.ID] = rs
		}
		out = append(out, rs)
	}
	return out
}

func (p *parser) rule(el *etree.Element) *Rule {
	r := &Rule{ID: el.SelectAttrValue("id", ""), BooleanOp: strings.ToLower(el.SelectAttrValue("boolean-op", "and")),
		ScoreAttribute: el.SelectAttrValue("score-attribute", ""), Role: p.roleAttr(el, "role")}
	if ref := el.SelectAttrValue("id-ref", ""); ref != "" {
		r.ID = ref
	}
	r.Score, r.HasScore = p.score(el, "score")
	if r.BooleanOp != "and" && r.BooleanOp != "or" {
		p.fail(el, "boolean-op %q: want and or or", r.BooleanOp)
	}
	for _, c := range el.ChildElements() {
		switch c.Tag {
		case "expression":
			e := Expr{Kind: "attr", ID: c.SelectAttrValue("id", ""), Attribute: c.SelectAttrValue("attribute", ""),
				Operation: c.SelectAttrValue("operation", ""), Value: c.SelectAttrValue("value", ""),
				Type: c.SelectAttrValue("type", ""), ValueSrc: c.SelectAttrValue("value-source", "literal")}
			switch e.Operation {
			case "lt", "gt", "lte", "gte", "eq", "ne", "defined", "not_defined":
			default:
				p.fail(c, "unknown operation %q", e.Operation)
			}
			if e.Attribute == "" {
				p.fail(c, "expression has no attribute")
			}
			r.Exprs = append(r.Exprs, e)
		case "date_expression":
			r.Exprs = append(r.Exprs, Expr{Kind: "date", ID: c.SelectAttrValue("id", ""), Operation: c.SelectAttrValue("operation", "in_range"),
				Start: c.SelectAttrValue("start", ""), End: c.SelectAttrValue("end", "")})
		case "rule":
			r.Exprs = append(r.Exprs, Expr{Kind: "rule", Sub: p.rule(c)})
		case "rsc_expression", "op_expression":
			r.Exprs = append(r.Exprs, Expr{Kind: c.Tag, ID: c.SelectAttrValue("id", ""), Attribute: c.SelectAttrValue("name", ""),
				Value: c.SelectAttrValue("type", ""), Class: c.SelectAttrValue("class", ""), Provider: c.SelectAttrValue("provider", "")})
		}
	}
	return r
}

func (p *parser) nodeState(el *etree.Element) *NodeState {
	n := &NodeState{ID: el.SelectAttrValue("id", ""), Uname: el.SelectAttrValue("uname", ""), InCCM: el.SelectAttrValue("in_ccm", ""),
		Crmd: el.SelectAttrValue("crmd", ""), Join: el.SelectAttrValue("join", ""), Expected: el.SelectAttrValue("expected", ""),
		Shutdown: el.SelectAttrValue("shutdown", ""), Attrs: map[string]string{}, InCCMMissing: el.SelectAttr("in_ccm") == nil}
	if ta := el.SelectElement("transient_attributes"); ta != nil {
		for _, ia := range ta.SelectElements("instance_attributes") {
			for _, nv := range ia.SelectElements("nvpair") {
				n.Attrs[nv.SelectAttrValue("name", "")] = nv.SelectAttrValue("value", "")
			}
		}
		for _, u := range ta.SelectElements("utilization") {
			n.Utilization = append(n.Utilization, p.nvset(u))
		}
	}
	if lrm := el.SelectElement("lrm"); lrm != nil {
		if lr := lrm.SelectElement("lrm_resources"); lr != nil {
			for _, r := range lr.SelectElements("lrm_resource") {
				res := &LrmResource{ID: r.SelectAttrValue("id", ""), Class: r.SelectAttrValue("class", ""),
					Provider: r.SelectAttrValue("provider", ""), Type: r.SelectAttrValue("type", "")}
				if v := r.SelectAttrValue("shutdown-lock", ""); v != "" {
					t, err := strconv.ParseInt(v, 10, 64)
					if err != nil {
						p.fail(r, "shutdown-lock %q is not seconds since the epoch", v)
					}
					res.ShutdownLock = t
				}
				for _, o := range r.SelectElements("lrm_rsc_op") {
					res.Ops = append(res.Ops, p.lrmOp(o))
				}
				n.Resources = append(n.Resources, res)
			}
		}
	}
	return n
}

func (p *parser) lrmOp(el *etree.Element) *LrmOp {
	atoi := func(name string, dflt int) int {
		v := el.SelectAttrValue(name, "")
		if v == "" {
			return dflt
		}
		i, err := strconv.Atoi(v)
		if err != nil {
			p.fail(el, "%s %q is not an integer", name, v)
			return dflt
		}
		return i
	}
	o := &LrmOp{ID: el.SelectAttrValue("id", ""), Operation: el.SelectAttrValue("operation", ""),
		RC: atoi("rc-code", 0), OpStatus: atoi("op-status", 0), CallID: atoi("call-id", 0),
		TransitionKey: el.SelectAttrValue("transition-key", ""), Digest: el.SelectAttrValue("op-digest", ""),
		RestartDigest: el.SelectAttrValue("op-restart-digest", ""), ForceRestart: el.SelectAttrValue("op-force-restart", ""),
		SecureDigest: el.SelectAttrValue("op-secure-digest", ""), SecureParams: el.SelectAttrValue("op-secure-params", ""),
		FeatureSet:    el.SelectAttrValue("crm_feature_set", ""),
		MigrateSource: el.SelectAttrValue("migrate_source", ""), MigrateTarget: el.SelectAttrValue("migrate_target", ""),
		OperationKey: el.SelectAttrValue("operation_key", ""), ExitReason: el.SelectAttrValue("exit-reason", ""),
		ExecTime: el.SelectAttrValue("exec-time", ""), QueueTime: el.SelectAttrValue("queue-time", "")}
	o.Interval = time.Duration(atoi("interval", 0)) * time.Millisecond
	o.LastRCChange = int64(atoi("last-rc-change", 0))
	o.TargetRC = 0
	if o.TransitionKey == "" {
		// Older records keep the key only inside transition-magic.
		if m := el.SelectAttrValue("transition-magic", ""); m != "" {
			if i := strings.IndexByte(m, ';'); i >= 0 {
				o.TransitionKey = m[i+1:]
			}
		}
	}
	if parts := strings.Split(o.TransitionKey, ":"); len(parts) >= 3 {
		if t, err := strconv.Atoi(parts[2]); err == nil {
			o.TargetRC = t
		}
	}
	return o
}
