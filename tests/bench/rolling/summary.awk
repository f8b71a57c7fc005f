# summary.awk: medians of run.sh's measurements as Markdown tables.
# Plain POSIX awk (Debian's default is mawk: no asort).
#
# rolling.tsv (default mode), with -v size=NxD -v step=S:
#   size tool rep wall_s cpu_s maxrss_kb tree_rss_kb tree_pss_kb procs_peak phys_min_s
# scale.tsv, with -v mode=scale:
#   name rep wall_s cpu_s maxrss_kb

function median(list,    v, n, i, j, t) {
    n = split(list, v, " ")
    for (i = 2; i <= n; i++) {          # insertion sort, n is small
        t = v[i] + 0
        for (j = i - 1; j >= 1 && v[j] + 0 > t; j--)
            v[j + 1] = v[j]
        v[j + 1] = t
    }
    if (n == 0)
        return 0
    return n % 2 ? v[(n + 1) / 2] + 0 : (v[n / 2] + v[n / 2 + 1]) / 2
}

function add(key, val) { vals[key] = (key in vals) ? vals[key] " " val : val }

function ratio(a, b) { return b > 0 ? sprintf("%.1f", a / b) : "-" }

mode == "scale" {
    if (!($1 in seen)) { seen[$1] = 1; order[++nnames] = $1 }
    add($1 SUBSEP "wall", $3); add($1 SUBSEP "cpu", $4); add($1 SUBSEP "rss", $5)
    runs[$1]++
    next
}

$1 == size {
    if (!($2 in seen)) { seen[$2] = 1; order[++ntools] = $2 }
    runs[$2]++
    add($2 SUBSEP "wall", $4); add($2 SUBSEP "cpu", $5); add($2 SUBSEP "maxrss", $6)
    add($2 SUBSEP "rss", $7); add($2 SUBSEP "pss", $8); add($2 SUBSEP "procs", $9)
    add($2 SUBSEP "over", $4 - $10); add($2 SUBSEP "overpct", 100 * ($4 - $10) / $10)
    add($2 SUBSEP "phys", $10)
}

END {
    if (mode == "scale") {
        print "| measurement | runs | wall s | CPU s (user+sys) | peak RSS MB |"
        print "|---|---:|---:|---:|---:|"
        for (i = 1; i <= nnames; i++) {
            k = order[i]
            printf "| %s | %d | %.3f | %.3f | %.1f |\n", k, runs[k], median(vals[k SUBSEP "wall"]),
                median(vals[k SUBSEP "cpu"]), median(vals[k SUBSEP "rss"]) / 1024
        }
        exit
    }
    split(size, nd, "x")
    nominal = nd[2] * 4 * step
    printf "## %s servers in %s domains, %ss steps (medians)\n\n", nd[1], nd[2], step
    printf "Nominal minimum: %d domains x 4 steps x %s s = %s s. Physical minimum: the same with each domain's restart counted as its slowest server measured it (request to sshd listening again), per run; overhead = wall - physical minimum of that run.\n\n", nd[2], step, nominal
    print "| tool | runs | wall s | physical min s | overhead s | overhead % | wall - nominal s | CPU s | peak memory MB (PSS, whole tree) | largest process RSS MB | peak tree RSS MB | processes |"
    print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for (i = 1; i <= ntools; i++) {
        t = order[i]
        w[t] = median(vals[t SUBSEP "wall"]); c[t] = median(vals[t SUBSEP "cpu"])
        p[t] = median(vals[t SUBSEP "pss"]) / 1024
        o[t] = median(vals[t SUBSEP "over"])
        printf "| %s | %d | %.2f | %.2f | %.2f | %.1f | %.2f | %.2f | %.1f | %.1f | %.1f | %d |\n", t, runs[t],
            w[t], median(vals[t SUBSEP "phys"]), o[t], median(vals[t SUBSEP "overpct"]), w[t] - nominal,
            c[t], p[t], median(vals[t SUBSEP "maxrss"]) / 1024, median(vals[t SUBSEP "rss"]) / 1024,
            median(vals[t SUBSEP "procs"])
    }
    if (!("poolpilot" in w))
        exit
    print ""
    print "| ratio to poolpilot | wall | overhead | wall - nominal | CPU | peak memory (PSS) |"
    print "|---|---:|---:|---:|---:|---:|"
    for (i = 1; i <= ntools; i++) {
        t = order[i]
        if (t == "poolpilot")
            continue
        printf "| %s | %s | %s | %s | %s | %s |\n", t, ratio(w[t], w["poolpilot"]),
            ratio(o[t], o["poolpilot"]), ratio(w[t] - nominal, w["poolpilot"] - nominal),
            ratio(c[t], c["poolpilot"]), ratio(p[t], p["poolpilot"])
    }
}
