# ecwid-customers in a container: the embedded SQLite database in the /data volume by default,
# or PostgreSQL through ECWID_CUSTOMERS_DATABASE_URL (compose.yaml). docs/deployment.md.
# Python 3.11 and constraints.txt: the interpreter and the library versions CI tests.

# Build the wheel in a stage of its own: the sources stay out of the image.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
RUN python -m pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
COPY --from=build /wheels /wheels
COPY constraints.txt /tmp/constraints.txt
# Both engines: the same image serves the SQLite default and PostgreSQL.
RUN python -m pip install --no-cache-dir -c /tmp/constraints.txt \
        "$(echo /wheels/ecwid_customers-*.whl)[postgresql]" \
    && rm -rf /wheels /tmp/constraints.txt
# An unprivileged user owns the data directory, and nothing else.
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin ecwid \
    && mkdir /data \
    && chown ecwid /data
ENV PYTHONUNBUFFERED=1 \
    ECWID_CUSTOMERS_DATABASE_URL=sqlite:////data/ecwid.db
# By number, so a runtime can tell it is not root without reading /etc/passwd.
USER 10001
WORKDIR /data
VOLUME /data
EXPOSE 8080
# Slim images have no curl: Python asks /readyz (200 once the database can serve calls).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/readyz', timeout=4).status != 200)"]
ENTRYPOINT ["ecwid-customers"]
# 0.0.0.0: inside a container, loopback is unreachable from the published port.
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
