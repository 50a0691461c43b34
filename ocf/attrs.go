package ocf

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
)

// Lifetime says how long a node attribute lives.
type Lifetime string

const (
	// Reboot attributes are transient: they vanish when the node leaves the
	// cluster (Pacemaker keeps them in the status section). Promotion scores
	// are always of this kind.
	Reboot Lifetime = "reboot"
	// Forever attributes are permanent node attributes (the nodes section).
	Forever Lifetime = "forever"
)

// Attributes is the channel through which an agent publishes node attributes
// and its promotion score for the local node. Under Pacemaker it is
// crm_attribute; under Baton's CRM it is the daemon's socket. Every call is
// bounded by ctx. Implementations must be safe for concurrent use.
type Attributes interface {
	// SetPromotion sets this resource's promotion score on the local node.
	// The scheduler promotes the instances with the highest scores.
	SetPromotion(ctx context.Context, score int) error
	// DeletePromotion removes the score: the instance must not be promoted
	// here.
	DeletePromotion(ctx context.Context) error
	// Promotion returns the score, and false when none is set.
	Promotion(ctx context.Context) (int, bool, error)
	Set(ctx context.Context, name, value string, l Lifetime) error
	// Get returns the value, and false when the attribute is not set.
	Get(ctx context.Context, name string, l Lifetime) (string, bool, error)
	Delete(ctx context.Context, name string, l Lifetime) error
}

// AttributesSocketVar names the environment variable through which Baton's
// executor tells an agent where its attribute socket is.
const AttributesSocketVar = "BATON_ATTRD_SOCKET"

// PromotionAttr is the node attribute that holds a resource's promotion
// score. Pacemaker still uses the old "master-" prefix; the name is the
// resource without its clone instance number.
func PromotionAttr(instance string) string {
	return "master-" + (&Env{Instance: instance}).BaseInstance()
}

// AttributesFor picks the channel for an invocation: Baton's socket when the
// executor announced one, crm_attribute otherwise. Nothing is contacted until
// a method is called, so agents that never publish attributes pay nothing.
func AttributesFor(env *Env) Attributes {
	node := env.Meta.OnNode
	if sock := env.Vars[AttributesSocketVar]; sock != "" {
		return &SocketAttributes{Path: sock, Node: node, Instance: env.Instance}
	}
	return &CrmAttribute{Bin: filepath.Join(env.SbinDir, "crm_attribute"), Instance: env.Instance}
}

// MemoryAttributes keeps attributes in memory: a test double, and the store
// behind Baton's socket server.
type MemoryAttributes struct {
	Instance string // the resource whose promotion score this handle sets

	mu   sync.Mutex
	vals map[Lifetime]map[string]string
}

// NewMemoryAttributes returns an empty store for instance.
func NewMemoryAttributes(instance string) *MemoryAttributes {
	return &MemoryAttributes{Instance: instance}
}

func (m *MemoryAttributes) SetPromotion(ctx context.Context, score int) error {
	return m.Set(ctx, PromotionAttr(m.Instance), fmt.Sprint(score), Reboot)
}

func (m *MemoryAttributes) DeletePromotion(ctx context.Context) error {
	return m.Delete(ctx, PromotionAttr(m.Instance), Reboot)
}

func (m *MemoryAttributes) Promotion(ctx context.Context) (int, bool, error) {
	return promotionFrom(m.Get(ctx, PromotionAttr(m.Instance), Reboot))
}

func (m *MemoryAttributes) Set(_ context.Context, name, value string, l Lifetime) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.vals == nil {
		m.vals = map[Lifetime]map[string]string{}
	}
	if m.vals[l] == nil {
		m.vals[l] = map[string]string{}
	}
	m.vals[l][name] = value
	return nil
}

func (m *MemoryAttributes) Get(_ context.Context, name string, l Lifetime) (string, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.vals[l][name]
	return v, ok, nil
}

func (m *MemoryAttributes) Delete(_ context.Context, name string, l Lifetime) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.vals[l], name)
	return nil
}

func promotionFrom(v string, ok bool, err error) (int, bool, error) {
	if err != nil || !ok {
		return 0, false, err
	}
	var n int
	if _, err := fmt.Sscan(v, &n); err != nil {
		return 0, false, fmt.Errorf("promotion score %q is not a number", v)
	}
	return n, true, nil
}
