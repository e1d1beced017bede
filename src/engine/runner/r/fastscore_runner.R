# A jet of the fastscore engine for R models: one Rscript process running one instance of a
# model, speaking the engine's jet protocol (src/engine/runner/protocol.rs) over its
# standard input and output; the model's own output goes to standard error.
#
# `Rscript fastscore_runner.R --check <model file> <callbacks JSON>` only inspects a model:
# it prints JSON with the syntax error, or the libraries it uses and those missing.

MODEL_FILE <- "__model.R"
SET_MARKER <- '{"$fastscore": "set"}'
# outputs leave the jet at most this long (seconds) after the model made them
FLUSH_AFTER <- 0.05

# JSON text ------------------------------------------------------------------------------

# Doubles with as few digits as give the same number back, 17 at most (jsonlite keeps 15).
json_numbers <- function(x) {
  out <- sprintf("%.15g", x)
  for (digits in 16:17) {
    off <- !is.na(x) & is.finite(x) & suppressWarnings(as.numeric(out)) != x
    if (!any(off)) break
    out[off] <- sprintf(paste0("%.", digits, "g"), x[off])
  }
  out[is.na(x) | !is.finite(x)] <- "null"
  out
}

json_strings <- function(x) {
  if (length(x) == 0) return(character(0))
  x <- enc2utf8(as.character(x))
  out <- paste0("\"", x, "\"")
  # quotes, backslashes and control characters are escaped by jsonlite
  hard <- !is.na(x) & grepl("[[:cntrl:]\"\\\\]", x, useBytes = TRUE)
  if (any(hard)) {
    out[hard] <- vapply(x[hard], function(s) as.character(jsonlite::toJSON(s, auto_unbox = TRUE)), "")
  }
  out[is.na(x)] <- "null"
  out
}

json_values <- function(x) {
  if (is.factor(x)) x <- as.character(x)
  if (is.logical(x)) return(ifelse(is.na(x), "null", ifelse(x, "true", "false")))
  if (is.numeric(x)) return(json_numbers(as.numeric(x)))
  json_strings(as.character(x))
}

named <- function(x) !is.null(names(x)) && all(nzchar(names(x)))

json_object <- function(keys, values) {
  paste0("{", paste0(json_strings(keys), ": ", values, collapse = ", "), "}")
}

json_array <- function(values) paste0("[", paste(values, collapse = ", "), "]")

# One record as JSON text: a named list or named vector is an object, a list or a vector
# of several values an array, a single value itself.
to_json <- function(x) {
  if (is.null(x)) return("null")
  if (is.data.frame(x)) return(json_array(frame_rows(x)))
  if (is.matrix(x)) return(json_array(matrix_rows(x)))
  if (is.list(x)) {
    items <- vapply(x, to_json, "", USE.NAMES = FALSE)
    if (named(x)) return(json_object(names(x), items))
    return(json_array(items))
  }
  values <- json_values(x)
  if (named(x)) return(json_object(names(x), values))
  if (length(x) == 1 && !inherits(x, "AsIs")) return(values)
  json_array(values)
}

frame_rows <- function(df) {
  if (nrow(df) == 0) return(character(0))
  columns <- lapply(df, function(col) if (is.list(col)) vapply(col, to_json, "") else json_values(col))
  keys <- json_strings(names(df))
  vapply(seq_len(nrow(df)), function(i) {
    paste0("{", paste0(keys, ": ", vapply(columns, `[`, "", i), collapse = ", "), "}")
  }, "")
}

# Many records as JSON texts: flat records with the same fields, or single values, a
# column at a time; anything else one by one.
many_json <- function(values) {
  if (length(values) == 0) return(character(0))
  first <- values[[1]]
  keys <- names(first)
  scalar <- function(v) is.atomic(v) && length(v) == 1 && is.null(names(v)) && !is.object(v)
  # a column of one type is written at once; one of mixed types value by value
  column <- function(items) {
    if (length(unique(vapply(items, typeof, ""))) == 1) json_values(unlist(items))
    else vapply(items, to_json, "", USE.NAMES = FALSE)
  }
  if (is.list(first) && !is.data.frame(first) && named(first) &&
      all(vapply(values, function(v) is.list(v) && identical(names(v), keys) &&
                   all(vapply(v, scalar, TRUE)), TRUE))) {
    columns <- lapply(seq_along(keys), function(k) column(lapply(values, `[[`, k)))
    return(do.call(paste0, c(list("{"), rbind(paste0(c("", rep(", ", length(keys) - 1)),
                                                   json_strings(keys), ": "), columns), list("}"))))
  }
  if (all(vapply(values, scalar, TRUE))) return(column(values))
  vapply(values, to_json, "", USE.NAMES = FALSE)
}

matrix_rows <- function(m) {
  values <- matrix(json_values(as.vector(m)), nrow = nrow(m))
  vapply(seq_len(nrow(m)), function(i) json_array(values[i, ]), "")
}

# The protocol ---------------------------------------------------------------------------

proto_in <- file("stdin", "rb")
proto_out <- NULL

read_exactly <- function(n) {
  got <- raw(0)
  while (length(got) < n) {
    more <- readBin(proto_in, "raw", n = n - length(got))
    if (length(more) == 0) quit(save = "no", status = 0) # the engine went away
    got <- c(got, more)
  }
  got
}

send <- function(kind, payload = raw(0)) {
  if (is.character(payload)) payload <- charToRaw(enc2utf8(payload))
  writeBin(length(payload), proto_out, size = 4, endian = "little")
  writeBin(charToRaw(kind), proto_out)
  writeBin(payload, proto_out)
  flush(proto_out)
}

receive <- function() {
  size <- readBin(proto_in, "integer", n = 1, size = 4, endian = "little")
  if (length(size) == 0) quit(save = "no", status = 0)
  kind <- rawToChar(read_exactly(1))
  payload <- if (size > 0) read_exactly(size) else raw(0)
  list(kind = kind, payload = payload)
}

utf8 <- function(bytes) {
  text <- rawToChar(bytes)
  Encoding(text) <- "UTF-8"
  text
}

# The jet --------------------------------------------------------------------------------

jet <- new.env()
jet$pending <- list()      # slot (as text) -> output texts not sent yet
jet$values <- list()       # slot (as text) -> a buffer of output values not written yet
jet$current <- NULL        # the batch being processed
jet$last_flush <- proc.time()[[3]]

model_error <- function(text) stop(structure(class = c("fastscore_error", "error", "condition"),
                                             list(message = text, call = NULL)))

emit_to <- function(slot, x) {
  slot <- as.integer(slot)
  key <- as.character(slot)
  spec <- jet$config$outputs[[key]]
  if (is.null(spec)) {
    if (slot %% 2 == 0) model_error(sprintf("Model emits data to an input slot %d", slot))
    model_error(sprintf("Model emits data to an unknown slot %d", slot))
  }
  if (isTRUE(spec$recordsets) && (is.data.frame(x) || is.matrix(x))) {
    rows <- if (is.data.frame(x)) frame_rows(x) else matrix_rows(x)
    jet$pending[[key]] <- c(pending_texts(key), rows, SET_MARKER)
  } else {
    # values are written as JSON when they leave, many at a time
    if (is.null(jet$values[[key]])) jet$values[[key]] <- value_buffer()
    jet$values[[key]]$push(x)
  }
  invisible(NULL)
}

# Values kept in a closure: a list in an environment would be copied at every addition.
value_buffer <- function() {
  items <- vector("list", 64)
  n <- 0
  list(
    push = function(x) {
      n <<- n + 1
      if (n > length(items)) length(items) <<- 2 * length(items)
      if (!is.null(x)) items[[n]] <<- x
    },
    take = function() {
      out <- items[seq_len(n)]
      items <<- vector("list", 64)
      n <<- 0
      out
    }
  )
}

# The texts of a slot's outputs so far, its values written out.
pending_texts <- function(key) {
  buffer <- jet$values[[key]]
  if (!is.null(buffer)) {
    values <- buffer$take()
    if (length(values) > 0) jet$pending[[key]] <- c(jet$pending[[key]], many_json(values))
  }
  jet$pending[[key]]
}

flush_outputs <- function() {
  batch <- if (is.null(jet$current)) 0 else jet$current$id
  for (key in union(names(jet$pending), names(jet$values))) {
    texts <- pending_texts(key)
    if (length(texts) > 0) send("O", paste0(batch, " ", key, "\n", paste(texts, collapse = "\n")))
  }
  jet$pending <- list()
  jet$last_flush <- proc.time()[[3]]
}

take_batch <- function(payload) {
  nl <- match(as.raw(10), payload)
  words <- strsplit(rawToChar(payload[seq_len(nl - 1)]), " ", fixed = TRUE)[[1]]
  slot <- as.integer(words[2])
  body <- utf8(payload[(nl + 1):length(payload)])
  sets <- isTRUE(jet$config$inputs[[as.character(slot)]]$recordsets)
  records <- jsonlite::fromJSON(body, simplifyVector = sets)
  jet$current <- list(id = words[1], slot = slot, seqno = as.numeric(words[3]),
                      body = body, sets = sets)
  records
}

# the records of the current batch the error is shown with
error_input <- function() {
  cur <- jet$current
  if (is.null(cur)) return(NULL)
  all <- jsonlite::fromJSON(cur$body, simplifyVector = FALSE)
  n <- length(all)
  shown <- if (!is.null(cur$index)) cur$index else max(1, n - 9):n
  shown <- shown[shown >= 1 & shown <= n]
  list(slot = cur$slot, seqno = cur$seqno + shown[1] - 1,
       data = I(vapply(all[shown], to_json, "")), batch_len = n, encoding = "json")
}

# A callback as a call by its own name, so that errors say "Error in action(datum)".
callback <- function(name, fn, arity) {
  named <- new.env(parent = emptyenv())
  assign(name, fn, envir = named)
  args <- lapply(c("datum", "slot", "seqno")[seq_len(arity)], as.name)
  list(call = as.call(c(as.name(name), args)), frame = new.env(parent = named))
}

call_action <- function(a, datum, slot, seqno) {
  a$frame$datum <- datum
  a$frame$slot <- slot
  a$frame$seqno <- seqno
  eval(a$call, a$frame)
}

run <- function(model) {
  actions <- list()
  for (key in names(jet$config$inputs)) {
    name <- jet$config$inputs[[key]]$action
    fn <- get0(name, envir = model, inherits = FALSE)
    if (!is.function(fn)) model_error(sprintf("A slot %s callback function named '%s' not found", key, name))
    arity <- length(formals(fn))
    if (!(arity %in% 1:3)) model_error(sprintf("The slot %s callback '%s' must have arity 1, 2, or 3", key, name))
    actions[[key]] <- callback(name, fn, arity)
  }
  # the model's own begin and end, not base R's
  begin <- get0("begin", envir = model, inherits = FALSE)
  if (is.function(begin)) begin()
  repeat {
    send("N", "*")
    msg <- receive()
    if (msg$kind == "E") break
    records <- take_batch(msg$payload)
    cur <- jet$current
    a <- actions[[as.character(cur$slot)]]
    if (cur$sets) {
      call_action(a, records, cur$slot, cur$seqno)
    } else {
      for (i in seq_along(records)) {
        jet$current$index <- i
        call_action(a, records[[i]], cur$slot, cur$seqno + i - 1)
        if (proc.time()[[3]] - jet$last_flush >= FLUSH_AFTER) flush_outputs()
      }
    }
    flush_outputs()
    send("D", cur$id)
    jet$current <- NULL
  }
  end <- get0("end", envir = model, inherits = FALSE)
  if (is.function(end)) end()
  flush_outputs()
}

fail <- function(e, calls) {
  message <- conditionMessage(e)
  where <- conditionCall(e)
  text <- if (inherits(e, "fastscore_error") || is.null(where)) {
    message
  } else {
    paste0("Error in ", paste(deparse(where), collapse = " "), ": ", message)
  }
  # the model's own calls, with their lines
  lines <- character(0)
  for (call in calls) {
    ref <- attr(call, "srcref")
    file <- if (!is.null(ref)) attr(ref, "srcfile")$filename else ""
    if (identical(file, MODEL_FILE)) {
      lines <- c(lines, sprintf("%s#%d: %s", MODEL_FILE, ref[1], paste(deparse(call), collapse = " ")))
    }
  }
  traceback <- paste(c(lines, text), collapse = "\n")
  report <- list(message = text, traceback = traceback, input = error_input())
  try(flush_outputs(), silent = TRUE)
  send("X", to_json(report))
  quit(save = "no", status = 3)
}

serve <- function() {
  proto_out <<- file("/dev/stdout", "wb", raw = TRUE)
  sink(stderr())
  msg <- receive()
  jet$config <- jsonlite::fromJSON(utf8(msg$payload), simplifyVector = FALSE)
  model <- new.env(parent = runner_api)
  calls <- NULL
  tryCatch(
    withCallingHandlers({
      if (isTRUE(jet$config$explicit)) model_error("R models use call-back conformance: define action (and begin, end)")
      source(jet$config$model, local = model, keep.source = TRUE)
      run(model)
    }, error = function(e) calls <<- sys.calls()),
    error = function(e) fail(e, calls)
  )
  send("F")
}

# what models see besides base R
runner_api <- new.env(parent = globalenv())
runner_api$emit <- function(x) emit_to(1, x)
runner_api$emitTo <- function(slot, x) emit_to(slot, x)

# Checking a model without running it ----------------------------------------------------

check <- function(path, callbacks_json) {
  exprs <- tryCatch(parse(path, keep.source = TRUE), error = function(e) e)
  if (inherits(exprs, "error")) {
    text <- conditionMessage(exprs)
    at <- regmatches(text, regexec("^[^:]*:([0-9]+):([0-9]+): ([^\n]*)", text))[[1]]
    error <- if (length(at) == 4) {
      sprintf("syntax error: %s (%s, line %s)", at[4], MODEL_FILE, at[2])
    } else {
      paste("syntax error:", strsplit(text, "\n")[[1]][1])
    }
    cat(to_json(list(error = error)), "\n")
    return(invisible())
  }
  libraries <- character(0)
  bound <- list()
  walk <- function(e) {
    if (is.call(e)) {
      head <- e[[1]]
      if (is.name(head) && as.character(head) %in% c("library", "require", "requireNamespace") && length(e) >= 2) {
        arg <- e[[2]]
        if (is.name(arg) || is.character(arg)) libraries <<- c(libraries, as.character(arg))
      }
      if (is.name(head) && as.character(head) %in% c("::", ":::")) libraries <<- c(libraries, as.character(e[[2]]))
      for (part in as.list(e)[-1]) if (!missing(part)) walk(part)
    }
  }
  for (e in exprs) {
    walk(e)
    if (is.call(e) && as.character(e[[1]]) %in% c("<-", "=") && is.name(e[[2]])) {
      value <- e[[3]]
      bound[[as.character(e[[2]])]] <- if (is.call(value) && identical(value[[1]], as.name("function"))) {
        length(value[[2]])
      } else {
        NA
      }
    }
  }
  libraries <- unique(setdiff(libraries, c("fastscore", "base", "stats", "utils", "methods")))
  missing <- libraries[!vapply(libraries, function(l) nzchar(system.file(package = l)), TRUE)]
  problems <- character(0)
  callbacks <- jsonlite::fromJSON(callbacks_json, simplifyVector = FALSE)
  for (slot in names(callbacks)) {
    name <- callbacks[[slot]]
    if (is.null(bound[[name]])) {
      problems <- c(problems, sprintf("A slot %s callback function named '%s' not found", slot, name))
    } else if (!is.na(bound[[name]]) && !(bound[[name]] %in% 1:3)) {
      problems <- c(problems, sprintf("The slot %s callback '%s' must have arity 1, 2, or 3", slot, name))
    }
  }
  if (length(problems) > 0) {
    cat(to_json(list(error = problems[1])), "\n")
  } else {
    cat(to_json(list(imports = I(libraries), missing = I(missing))), "\n")
  }
}

args <- commandArgs(trailingOnly = TRUE)
if (!requireNamespace("jsonlite", quietly = TRUE)) {
  cat('{"error": "R models need the jsonlite package: install r-cran-jsonlite (apt) or install.packages(\\"jsonlite\\")"}\n')
  quit(save = "no", status = 0)
}
if (length(args) >= 2 && args[1] == "--check") {
  check(args[2], if (length(args) >= 3) args[3] else "{}")
} else {
  serve()
}
