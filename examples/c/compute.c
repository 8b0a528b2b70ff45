// compute [N]: a small numeric kernel with deterministic output. Runs N
// steps of a two-body-free particle system (integer LCG + double math),
// then prints checksums. Exercises only fd_write and proc_exit: the
// point is the interpreter's arithmetic, calls and memory traffic.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define PARTICLES 64

struct particle {
    double x, y, vx, vy;
};

static uint32_t lcg(uint32_t *state) {
    *state = *state * 1664525u + 1013904223u;
    return *state >> 8;
}

int main(int argc, char **argv) {
    int steps = argc > 1 ? atoi(argv[1]) : 200;
    struct particle p[PARTICLES];
    uint32_t seed = 12345;
    for (int i = 0; i < PARTICLES; i++) {
        p[i].x = (double)(lcg(&seed) % 1000) / 10.0;
        p[i].y = (double)(lcg(&seed) % 1000) / 10.0;
        p[i].vx = 0.0;
        p[i].vy = 0.0;
    }
    for (int s = 0; s < steps; s++) {
        for (int i = 0; i < PARTICLES; i++) {
            double ax = 0.0, ay = 0.0;
            for (int j = 0; j < PARTICLES; j++) {
                double dx = p[j].x - p[i].x, dy = p[j].y - p[i].y;
                double d2 = dx * dx + dy * dy + 0.01;
                ax += dx / d2;
                ay += dy / d2;
            }
            p[i].vx = (p[i].vx + ax * 0.001) * 0.99;
            p[i].vy = (p[i].vy + ay * 0.001) * 0.99;
        }
        for (int i = 0; i < PARTICLES; i++) {
            p[i].x += p[i].vx;
            p[i].y += p[i].vy;
        }
    }
    double cx = 0.0, cy = 0.0, energy = 0.0;
    for (int i = 0; i < PARTICLES; i++) {
        cx += p[i].x;
        cy += p[i].y;
        energy += p[i].vx * p[i].vx + p[i].vy * p[i].vy;
    }
    uint64_t hash = 1469598103934665603ull;
    for (int i = 0; i < PARTICLES; i++) {
        hash = (hash ^ (uint64_t)(int64_t)(p[i].x * 1e6)) * 1099511628211ull;
    }
    printf("steps=%d\n", steps);
    printf("centre=(%.6f, %.6f)\n", cx / PARTICLES, cy / PARTICLES);
    printf("energy=%.9e\n", energy);
    printf("hash=%016llx\n", (unsigned long long)hash);
    return 0;
}
