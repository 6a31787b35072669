"""The `zhili` command."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from pathlib import Path

from api.settings import Settings, SettingsError, get_settings


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    uvicorn.run(
        "api.main:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=True,
        log_level=settings.log_level.lower(),
        ws="websockets-sansio",
    )
    return 0


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    from api.migrate import migrate

    asyncio.run(migrate(settings, progress=True))
    print("migrations applied")
    return 0


def _seed(args: argparse.Namespace, settings: Settings) -> int:
    if not args.demo:
        print("nothing to do: pass --demo to load the demo data", file=sys.stderr)
        return 2
    from resolvers.demo import run_seed

    summary = asyncio.run(run_seed(settings))
    for line in summary:
        print(line)
    return 0


def _user_create(args: argparse.Namespace, settings: Settings) -> int:
    from resolvers.demo import create_user_cli

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("password: ")
    try:
        line = asyncio.run(
            create_user_cli(
                settings,
                username=args.username,
                password=password,
                role=args.role,
                community_code=args.community,
                organization_id=args.organization,
                display_name=args.display_name,
            )
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(line)
    return 0


def _apikey(args: argparse.Namespace, settings: Settings) -> int:
    from resolvers.demo import api_key_cli

    try:
        line = asyncio.run(
            api_key_cli(settings, command=args.apikey_command, name=args.name, scopes=args.scope or [])
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(line)
    return 0


def _schema_export(args: argparse.Namespace, settings: Settings) -> int:
    from schema.root import build_schema

    sdl = build_schema(settings).as_str() + "\n"
    if args.path:
        Path(args.path).write_text(sdl, encoding="utf-8")
    else:
        sys.stdout.write(sdl)
    return 0


def _simulate(args: argparse.Namespace, settings: Settings) -> int:
    from api.simulate import main as simulate

    return simulate(args, settings)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="zhili", description="智理: smart grassroots governance, one GraphQL API."
    )
    sub = p.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(run=_serve)

    sub.add_parser("migrate", help="apply migrations").set_defaults(run=_migrate)

    seed = sub.add_parser("seed", help="load data")
    seed.add_argument(
        "--demo", action="store_true", help="the demo communities, people and activity (idempotent)"
    )
    seed.set_defaults(run=_seed)

    user = sub.add_parser("user", help="manage accounts").add_subparsers(dest="user_command", required=True)
    create = user.add_parser("create", help="create an account with a role")
    create.add_argument("username")
    create.add_argument("--role", required=True)
    create.add_argument("--community", help="community code, for community-scoped roles")
    create.add_argument("--organization", type=int, help="organisation id, for ORG_ADMIN")
    create.add_argument("--display-name")
    create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    create.set_defaults(run=_user_create)

    apikey = sub.add_parser("apikey", help="portals' API keys").add_subparsers(
        dest="apikey_command", required=True
    )
    issue = apikey.add_parser("create", help="issue a key (printed once)")
    issue.add_argument("name")
    issue.add_argument("--scope", action="append", help="read:communities (repeat for more)")
    issue.set_defaults(run=_apikey)
    revoke = apikey.add_parser("revoke", help="revoke the live keys of a name")
    revoke.add_argument("name")
    revoke.set_defaults(run=_apikey, scope=None)

    schema = sub.add_parser("schema", help="the GraphQL schema").add_subparsers(
        dest="schema_command", required=True
    )
    export = schema.add_parser("export", help="print (or write) the SDL")
    export.add_argument("path", nargs="?")
    export.set_defaults(run=_schema_export)

    simulate = sub.add_parser("simulate", help="simulated wristbands and meters sending readings")
    simulate.add_argument("--devices", type=int, default=20)
    simulate.add_argument("--rate", type=float, default=1.0, help="readings per second per device")
    simulate.add_argument("--url", default="http://127.0.0.1:8000")
    simulate.add_argument(
        "--duration", type=float, default=0, help="seconds to run; 0 runs until interrupted"
    )
    simulate.set_defaults(run=_simulate)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = get_settings()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return int(args.run(args, settings))


if __name__ == "__main__":
    sys.exit(main())
