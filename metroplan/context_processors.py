from django.conf import settings

from metroplan.permissions import is_secretariat, member_of


def site(request):
    user = getattr(request, "user", None)
    return {
        "is_secretariat": is_secretariat(user),
        "own_member": member_of(user),
        "public_dashboard": settings.PUBLIC_DASHBOARD,
        "staff_local_passwords": settings.STAFF_LOCAL_PASSWORDS,
    }
