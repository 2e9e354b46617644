package delivery

import "github.com/prometheus/client_golang/prometheus"

// metrics are the delivery figures on /metrics.
type metrics struct {
	deliveries *prometheus.CounterVec   // attempts by kind and result
	attempts   *prometheus.HistogramVec // attempt durations by kind
	pending    prometheus.Gauge
	dead       prometheus.Gauge
}

// newMetrics registers the delivery metrics on reg; nil reg means none.
func newMetrics(reg prometheus.Registerer) *metrics {
	if reg == nil {
		return nil
	}
	m := &metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "novatalks", Subsystem: "delivery", Name: "attempts_total",
			Help: "Delivery attempts by kind (push, webhook, agent_bot) and result (delivered, retry, dead).",
		}, []string{"kind", "result"}),
		attempts: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "novatalks", Subsystem: "delivery", Name: "attempt_duration_seconds",
			Help:    "How long delivery attempts took, by kind.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"kind"}),
		pending: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "novatalks", Subsystem: "delivery", Name: "queue_depth",
			Help: "Deliveries waiting to be delivered (pending), of every account.",
		}),
		dead: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "novatalks", Subsystem: "delivery", Name: "dead",
			Help: "Deliveries given up on (dead) and not retried, of every account.",
		}),
	}
	reg.MustRegister(m.deliveries, m.attempts, m.pending, m.dead)
	return m
}
