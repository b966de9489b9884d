"""Error reports that cannot carry journal text.

Django's `sensitive_post_parameters` hides the posted text and `sensitive_variables` the
locals of one function, but a traceback shows every frame's locals, and the text is in many
of them (the ORM's `create(**kwargs)` among them). For a request that handled private text,
this filter hides every frame's variables, in production and development alike.
"""

from __future__ import annotations

from django.views.debug import SafeExceptionReporterFilter


class PrivateTextFilter(SafeExceptionReporterFilter):
    def _private(self, request) -> bool:
        return request is not None and bool(getattr(request, "sensitive_post_parameters", None))

    def is_active(self, request) -> bool:
        return self._private(request) or super().is_active(request)

    def get_traceback_frame_variables(self, request, tb_frame):
        if self._private(request):
            return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]
        return super().get_traceback_frame_variables(request, tb_frame)
