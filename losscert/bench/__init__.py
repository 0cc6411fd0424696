"""The benchmark suite behind ``losscert bench``: instances with planted verdicts
(:mod:`losscert.bench.instances`), the runner (:mod:`losscert.bench.runner`), the baselines
(:mod:`losscert.bench.baselines`), reports (:mod:`losscert.bench.report`) and plots
(:mod:`losscert.bench.plots`)."""
