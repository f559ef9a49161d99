"""The change feed's recorder switched off for some models, for measuring
what it costs (tests' query counts, bench.sync): never in the application."""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save


def _recorder_signals(model) -> list:
    """The change feed's receivers of `model` (metroplan.changes.track's dispatch_uids)."""
    from metroplan.changes import _tracked

    uid = f"changes-{model._meta.label}"
    found = [(pre_save, f"{uid}-pre-save", model), (post_save, f"{uid}-save", model),
             (pre_delete, f"{uid}-delete", model)]
    for _name, field_name, _attr in _tracked[model].lists:
        through = model._meta.get_field(field_name).remote_field.through
        list_uid = f"{uid}-list-{field_name}"
        found.append((m2m_changed, list_uid, through))
        if not through._meta.auto_created:
            found += [(pre_save, f"{list_uid}-pre-save", through), (post_save, f"{list_uid}-save", through),
                      (post_delete, f"{list_uid}-delete", through)]
    return found


class RecorderOff:
    """Disconnect the feed's receivers of `models`, then put them back."""

    def __init__(self, *models):
        self.models = models
        self.saved = []

    def __enter__(self):
        for model in self.models:
            for signal, uid, sender in _recorder_signals(model):
                receivers = [r for r in signal.receivers if r[0][0] == uid]
                self.saved.append((signal, receivers))
                signal.disconnect(sender=sender, dispatch_uid=uid)
        return self

    def __exit__(self, *exc):
        for signal, receivers in self.saved:
            with signal.lock:
                signal.receivers.extend(receivers)
                signal.sender_receivers_cache.clear()
        self.saved = []
