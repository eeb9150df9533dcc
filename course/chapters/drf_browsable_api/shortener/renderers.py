"""A browsable API for staging: the pages stay, the forms go."""

from rest_framework.renderers import BrowsableAPIRenderer


class BrowsableAPIWithoutForms(BrowsableAPIRenderer):
    """The browsable API with no HTML form and no raw-data form.

    Every form the page would show asks this method first. Saying no means
    no serializer is built for a form, so no related field lists choices.
    """

    def show_form_for_method(self, view, method, request, obj):
        return False
