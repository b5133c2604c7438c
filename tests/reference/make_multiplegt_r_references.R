# R references for improve.did.did_multiplegt_dyn: R DIDmultiplegtDYN itself.
#
# Runs did_multiplegt_dyn (DIDmultiplegtDYN 2.2.0, the last CRAN release that does not need
# the r-universe `polars` package at run time; 2.3.x requires it) on favara_imbs.csv and on
# the simulated on/off panels of multiplegt_sim_panels.csv (written by
# make_multiplegt_references.py), and writes multiplegt_r_references.json.
#
#   Rscript tests/reference/make_multiplegt_r_references.R
#
# Needs DIDmultiplegtDYN 2.2.0 and its imports (fixest, matlib, rnames, cowplot, plm, ...);
# see multiplegt_README.md for how they were installed.
suppressMessages({
  library(DIDmultiplegtDYN)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("^--file=", "", args[grep("^--file=", args)])))

run_case <- function(df, y, g, t, d, ...) {
  opts <- list(...)
  r <- suppressWarnings(suppressMessages(
    did_multiplegt_dyn(df, y, g, t, d, graph_off = TRUE, ...)
  ))
  res <- r$results
  out <- list(
    options = c(list(outcome = y, group = g, time = t, treatment = d), opts),
    effects = unname(res$Effects[, "Estimate"]),
    effects_se = unname(res$Effects[, "SE"]),
    n_switchers = unname(res$Effects[, "Switchers"]),
    ate = unname(res$ATE[1, "Estimate"]),
    ate_se = unname(res$ATE[1, "SE"])
  )
  if (!is.null(res$Placebos)) {
    out$placebos <- unname(res$Placebos[, "Estimate"])
    out$placebos_se <- unname(res$Placebos[, "SE"])
  }
  if (!is.null(res$p_equality_effects)) out$p_equality_effects <- res$p_equality_effects
  if (!is.null(res$p_jointplacebo)) out$p_jointplacebo <- res$p_jointplacebo
  out
}

fav <- read.csv(file.path(here, "favara_imbs.csv"))
fy <- "Dl_vloans_b"; fg <- "county"; ft <- "year"; fd <- "inter_bra"
cases <- list(
  favara = run_case(fav, fy, fg, ft, fd, effects = 8, placebo = 3, effects_equal = TRUE),
  favara_weighted = run_case(fav, fy, fg, ft, fd, effects = 8, placebo = 3, weight = "w1"),
  favara_normalized = run_case(fav, fy, fg, ft, fd, effects = 5, placebo = 2, normalized = TRUE),
  favara_in = run_case(fav, fy, fg, ft, fd, effects = 4, placebo = 1, switchers = "in"),
  favara_never = run_case(fav, fy, fg, ft, fd, effects = 4, only_never_switchers = TRUE),
  favara_clustered = run_case(fav, fy, fg, ft, fd, effects = 3, placebo = 2, cluster = "state_n"),
  favara_same_switchers = run_case(fav, fy, fg, ft, fd, effects = 8, same_switchers = TRUE),
  favara_trends_lin = run_case(fav, fy, fg, ft, fd, effects = 3, trends_lin = TRUE),
  favara_controls = run_case(fav, fy, fg, ft, fd, effects = 3, placebo = 2, controls = "Dl_hpi"),
  favara_controls_weighted_clustered = run_case(
    fav, fy, fg, ft, fd, effects = 3, placebo = 1, controls = "Dl_hpi", weight = "w1",
    cluster = "state_n"
  )
)

sims <- read.csv(file.path(here, "multiplegt_sim_panels.csv"))
for (name in unique(sims$panel)) {
  s <- sims[sims$panel == name, ]
  cases[[name]] <- run_case(s, "y", "g", "t", "d", effects = 4, placebo = 2, effects_equal = TRUE)
  if (name == "exit") {
    cases[["exit_out"]] <- run_case(s, "y", "g", "t", "d", effects = 3, placebo = 1,
                                    switchers = "out")
  }
  cases[[paste0(name, "_weighted")]] <- run_case(s, "y", "g", "t", "d", effects = 3, placebo = 1,
                                                 weight = "w")
  cases[[paste0(name, "_clustered")]] <- run_case(s, "y", "g", "t", "d", effects = 3,
                                                  placebo = 1, cluster = "cl")
  cases[[paste0(name, "_trends_lin")]] <- run_case(s, "y", "g", "t", "d", effects = 3,
                                                   trends_lin = TRUE)
  cases[[paste0(name, "_trends_nonparam")]] <- run_case(s, "y", "g", "t", "d", effects = 3,
                                                        placebo = 1, trends_nonparam = "region")
  cases[[paste0(name, "_controls")]] <- run_case(s, "yx", "g", "t", "d", effects = 3,
                                                 placebo = 1, controls = c("x1", "x2"))
  cases[[paste0(name, "_controls_clustered")]] <- run_case(
    s, "yx", "g", "t", "d", effects = 3, placebo = 1, controls = "x1", cluster = "cl", weight = "w"
  )
}

payload <- list(
  versions = list(DIDmultiplegtDYN = as.character(packageVersion("DIDmultiplegtDYN")),
                  R = paste(R.version$major, R.version$minor, sep = ".")),
  cases = cases
)
writeLines(toJSON(payload, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE),
           file.path(here, "multiplegt_r_references.json"))
