// Lock annotations: which mutex guards a member, and which locks a function needs held or free.
//
// They say in the code what comments used to say ("guarded by mu_", "call with mu_ held"), and
// clang checks them under -Wthread-safety (https://clang.llvm.org/docs/ThreadSafetyAnalysis.html).
// Other compilers (GCC builds the gateway) see nothing: the macros expand to nothing there.
//
// The tree is not built with -Wthread-safety: std::mutex and std::lock_guard carry no
// capability attributes in libstdc++, so the analysis cannot follow them yet. The marks are
// the contract for readers and reviewers until it can.
//
// - MG_GUARDED_BY(mu): a member read or written only with `mu` held.
// - MG_PT_GUARDED_BY(mu): what a pointer member points to is guarded by `mu`.
// - MG_REQUIRES(mu...): a function called with `mu` held (the `*_locked` ones).
// - MG_EXCLUDES(mu...): a function called with `mu` free (it takes it itself).
// - MG_ACQUIRED_AFTER(mu...) / MG_ACQUIRED_BEFORE(mu...): the order two mutexes are taken in.
// - MG_NO_THREAD_SAFETY_ANALYSIS: a function the analysis cannot follow (say why beside it).
#pragma once

#if defined(__clang__)
#define MG_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define MG_THREAD_ANNOTATION(x)
#endif

#define MG_GUARDED_BY(x) MG_THREAD_ANNOTATION(guarded_by(x))
#define MG_PT_GUARDED_BY(x) MG_THREAD_ANNOTATION(pt_guarded_by(x))
#define MG_REQUIRES(...) MG_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define MG_EXCLUDES(...) MG_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define MG_ACQUIRED_AFTER(...) MG_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#define MG_ACQUIRED_BEFORE(...) MG_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define MG_NO_THREAD_SAFETY_ANALYSIS MG_THREAD_ANNOTATION(no_thread_safety_analysis)
