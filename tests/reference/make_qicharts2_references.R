# Reference outputs of R qicharts2 0.8.1 for improve.qi (tests/qi/test_qicharts2_reference.py).
#
# Run from the repository root:  Rscript tests/reference/make_qicharts2_references.R
# qicharts2 0.8.1 was installed from the CRAN source tarball (R CMD INSTALL); ggplot2 from Debian.
# Each case writes qic(...)$data to tests/reference/qicharts2/<case>.csv with 17 significant
# digits; data derived from qicharts2's data sets are written as data_<name>.csv so the Python
# side reads exactly the same input. The five files run_nhs_accidents, i_nhs_accidents, c_cdi,
# u_cdi and xbar_age were made separately (see qicharts2/README.md) and are not rewritten here.
suppressPackageStartupMessages(library(qicharts2))
out <- "tests/reference/qicharts2"
cols <- c("x", "y", "n", "cl", "lcl", "ucl", "lcl.95", "ucl.95", "sigma.signal",
          "runs.signal", "longest.run", "longest.run.max", "n.crossings",
          "n.crossings.min", "n.obs", "n.useful", "part", "facet1", "facet2", "notes")

write_num <- function(d, file) {
  for (k in names(d)) {
    if (is.numeric(d[[k]])) d[[k]] <- ifelse(is.na(d[[k]]), NA, sprintf("%.17g", d[[k]]))
    if (inherits(d[[k]], c("Date", "POSIXt"))) d[[k]] <- format(d[[k]], "%Y-%m-%d")
    if (is.factor(d[[k]])) d[[k]] <- as.character(d[[k]])
  }
  write.csv(d, file.path(out, file), row.names = FALSE)
}
save_case <- function(name, p) write_num(p$data[cols], paste0(name, ".csv"))

# Derived inputs --------------------------------------------------------------------------
cabg$month <- as.Date(cut(cabg$date, "month"))
cabg$one <- 1
cabg$readmitted <- as.numeric(cabg$readmission)
write_num(cabg, "data_cabg_month.csv")

deaths <- cabg[cabg$death, ]
deaths$days_between <- c(NA, as.numeric(diff(deaths$date)))
deaths <- deaths[!is.na(deaths$days_between) & deaths$days_between > 0, ]
deaths$i <- seq_len(nrow(deaths))
write_num(deaths[c("i", "date", "days_between")], "data_cabg_deaths.csv")

cabg$surgery <- seq_len(nrow(cabg))
death_at <- which(cabg$death)
between <- data.frame(i = seq_along(death_at[-1]), surgeries = diff(death_at))
write_num(between, "data_cabg_between_deaths.csv")

# data_cdi.csv, data_hospital_infections.csv, data_nhs_accidents.csv and data_cabg.csv are the
# exports that came with the first five references (write.csv of the bundled data sets).
write_num(complaints, "data_complaints.csv")

# Cases ----------------------------------------------------------------------------------
save_case("p_readmission", qic(month, readmitted, n = one, data = cabg, chart = "p"))
save_case("pp_readmission", qic(month, readmitted, n = one, data = cabg, chart = "pp"))
save_case("pp_nhs_accidents", qic(i, r, n = n, data = nhs_accidents, chart = "pp"))
save_case("p_nhs_accidents", qic(i, r, n = n, data = nhs_accidents, chart = "p"))
save_case("up_cdi", qic(month, n, n = days, data = cdi, chart = "up", multiply = 10000))
save_case("mr_nhs_accidents", qic(i, r, data = nhs_accidents, chart = "mr"))
save_case("s_age", qic(month, age, data = cabg, chart = "s"))
save_case("t_deaths", qic(i, days_between, data = deaths, chart = "t"))
save_case("g_between_deaths", qic(i, surgeries, data = between, chart = "g"))
save_case("run_los_median", qic(month, los, data = cabg, agg.fun = "median"))
save_case("i_los_sum", qic(month, los, data = cabg, chart = "i", agg.fun = "sum"))
save_case("u_cdi_part_labels", qic(month, n, n = days, data = cdi, chart = "u",
                                   part = period, multiply = 10000))
save_case("i_nhs_part", qic(i, r, data = nhs_accidents, chart = "i", part = c(6, 13)))
save_case("c_cdi_freeze", qic(month, n, data = cdi, chart = "c", freeze = 24,
                              notes = notes))
save_case("i_nhs_exclude", qic(i, r, data = nhs_accidents, chart = "i", exclude = c(4, 11)))
save_case("run_cdi_exclude_part", qic(month, n, data = cdi, exclude = c(3, 30), part = 24))
save_case("u_hai_facets", qic(month, n, n = days, data = hospital_infections,
                              facets = ~ infection + hospital, chart = "u",
                              multiply = 10000))
bac <- hospital_infections[hospital_infections$infection == "BAC", ]
save_case("up_bac_facet", qic(month, n, n = days, data = bac, facets = ~ hospital,
                              chart = "up", multiply = 10000, part = 12))
save_case("up_bac_hospitals", qic(hospital, n, n = days, data = bac, chart = "up",
                                  multiply = 10000))
save_case("pp_readmission_gender", qic(gender, readmitted, n = one, data = cabg, chart = "pp"))
save_case("i_bac_yneg", qic(month, n, data = bac[bac$hospital == "AHH", ], chart = "i",
                            y.neg = FALSE))
save_case("c_complaints", qic(month, complaints, data = complaints, chart = "c"))
save_case("xbar_los_freeze", qic(month, los, data = cabg, chart = "xbar", freeze = 12))

save_case("i_cdi_screened", qic(month, n, data = cdi, chart = "i"))
save_case("i_nhs_fixed_cl", qic(i, r, data = nhs_accidents, chart = "i", cl = 265000))
save_case("g_fixed_cl", qic(i, surgeries, data = between, chart = "g", cl = 50))
options(qic.screenedmr = FALSE)
save_case("i_nhs_unscreened", qic(i, r, data = nhs_accidents, chart = "i"))
save_case("i_cdi_unscreened", qic(month, n, data = cdi, chart = "i"))
save_case("pp_nhs_unscreened", qic(i, r, n = n, data = nhs_accidents, chart = "pp"))
options(qic.screenedmr = TRUE)

# Montgomery's textbook examples, as qicharts2's own tests run them (tables in its sysdata) --
for (k in c("tbl_06.03", "tbl_06.04", "tbl_06.07", "tbl_07.03", "tbl_07.04", "tbl_07.08",
            "tbl_07.10", "tbl_07.11", "tbl_07.14", "NA_test")) {
  write_num(as.data.frame(getFromNamespace(k, "qicharts2")), paste0("data_mont_", k, ".csv"))
}
ns <- function(k) as.data.frame(getFromNamespace(k, "qicharts2"))
save_case("mont_6.3_xbar", qic(sample, obs, data = ns("tbl_06.03"), chart = "xbar"))
save_case("mont_6.3_s", qic(sample, obs, data = ns("tbl_06.03"), chart = "s"))
save_case("mont_6.4_xbar", qic(sample, obs, data = ns("tbl_06.04"), chart = "xbar"))
save_case("mont_6.4_s", qic(sample, obs, data = ns("tbl_06.04"), chart = "s"))
save_case("mont_6.5_i", qic(weeks, cost, data = ns("tbl_06.07"), chart = "i", freeze = 20))
save_case("mont_6.5_mr", qic(weeks, cost, data = ns("tbl_06.07"), chart = "mr", freeze = 20))
save_case("mont_7.1_p", qic(sample, count, size, notes = note, data = ns("tbl_07.03"),
                            chart = "p", exclude = c(15, 23), part = 30))
save_case("mont_7.4_p", qic(sample, count, size, data = ns("tbl_07.04"), chart = "p"))
save_case("mont_7.3_c", qic(sample, count, data = ns("tbl_07.08"), chart = "c",
                            exclude = c(6, 20), freeze = 26))
save_case("mont_7.4_u", qic(sample, count, size, data = ns("tbl_07.10"), chart = "u"))
save_case("mont_7.5_u", qic(roll, count, meters, data = ns("tbl_07.11"), chart = "u",
                            multiply = 50))
save_case("mont_7.6_t", qic(failure, hours, data = ns("tbl_07.14"), chart = "t"))
save_case("mont_na_xbar", qic(sample, obs, data = ns("NA_test"), chart = "xbar"))

# Pareto chart of the harm categories in the global trigger tool data -------------------------
write_num(gtt["E"], "data_gtt_harms.csv")
write_num(paretochart(gtt$E)$data, "pareto_gtt.csv")

# The runs-analysis thresholds for n = 1..1000 ---------------------------------------------
n <- 1:1000
write.csv(data.frame(n = n, longest.run.max = round(log2(n)) + 3,
                     n.crossings.min = qbinom(0.05, n - 1, 0.5)),
          file.path(out, "anhoej_thresholds.csv"), row.names = FALSE)
cat(sprintf("qicharts2 %s\n", as.character(packageVersion("qicharts2"))))
