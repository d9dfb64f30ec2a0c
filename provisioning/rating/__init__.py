"""Rating: the one home of the rules that price usage and recurring charges.

- :mod:`provisioning.rating.categories`: a called number's category, by the
  Australian numbering plan (``classify_number``, and ``CategoryCache`` for a run).
- :mod:`provisioning.rating.calls`: a call's billed seconds and charge from a
  rate (increments, flagfall, half-up to the cent, credits).
- :mod:`provisioning.rating.recurring`: a feature's charge for a period,
  pro-rated by day.

Half-up rounding to the cent is ``ssaas.common.formats.to_cent``, shared with
every app. Caches that hold a run's answers (``usage.ctop.identify.ProviderIndex``)
stay with the run; the arithmetic is here.
"""
