# syntax=docker/dockerfile:1
# Multi-stage build: a static faqbot binary on a distroless base, running as
# a non-root user. The corpus and the data (index, database) are volumes.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/faqbot ./cmd/faqbot

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/faqbot /usr/local/bin/faqbot
# /data holds the saved index, the database and the live corpus (seeded
# from the shipped documents on the first start). To answer from a folder of
# your own, mount it and set FAQBOT_CORPUS_DIR to where it is mounted.
ENV FAQBOT_INDEX_DIR=/data/index \
    FAQBOT_DATA_DIR=/data \
    FAQBOT_HTTP_ADDR=:8080 \
    FAQBOT_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/faqbot"]
CMD ["serve"]
