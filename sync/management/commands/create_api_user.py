from django.core.management.base import BaseCommand

from erp.audit.context import command_context
from erp.users import ROLES, api_user_create


class Command(BaseCommand):
    help = "Create (or update) an API user with a role and print its token."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", choices=ROLES, default="normal")
        parser.add_argument("--password", help="also allow admin/browsable API login with this password")

    def handle(self, *args, **options):
        with command_context():
            token = api_user_create(username=options["username"], role=options["role"],
                                    password=options["password"])
        self.stdout.write(token)
